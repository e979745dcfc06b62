// What the views share: the concepts (the sidebar shows them, the tabs edit them) and the model
// packages. Views listen for changes instead of refetching on their own.

import { api } from "./api.js";

const listeners = new Set();

export const state = {
  concepts: [],
  conceptsError: null,
  models: null,
};

export function onConcepts(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const listener of listeners) listener(state.concepts);
}

export async function loadConcepts() {
  try {
    state.concepts = await api.concepts();
    state.conceptsError = null;
  } catch (error) {
    state.conceptsError = error;
  }
  changed();
  return state.concepts;
}

export function conceptById(id) {
  return state.concepts.find((concept) => concept.id === id) || null;
}

/** Puts a concept the server just answered in the list (new or updated). */
export function putConcept(concept) {
  const index = state.concepts.findIndex((c) => c.id === concept.id);
  if (index >= 0) state.concepts[index] = concept;
  else state.concepts.push(concept);
  changed();
}

export function dropConcept(id) {
  state.concepts = state.concepts.filter((concept) => concept.id !== id);
  changed();
}

/** Refetches one concept, e.g. after a training saved its embedding. */
export async function refreshConcept(id) {
  try {
    putConcept(await api.concept(id));
  } catch (error) {
    if (error.status === 404) dropConcept(id);
  }
}

/** The model package generation uses: the one called "toy" if loadable, else the first loadable one. */
export async function defaultModel() {
  if (state.models === null) {
    try {
      state.models = await api.models();
    } catch {
      state.models = [];
    }
  }
  const loadable = state.models.filter((model) => model.loadable !== false);
  return loadable.find((model) => model.id === "toy") || loadable[0] || null;
}
