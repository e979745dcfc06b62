// The "New concept" dialog: name, placeholder token, initializer word, vectors.

import { api } from "../api.js";
import { el, failure, fill } from "../dom.js";
import { putConcept } from "../state.js";

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
}

export function openNewConcept() {
  const name = el("input", { id: "nc-name", name: "name", required: true, autocomplete: "off", placeholder: "My dog", "data-testid": "new-concept-name" });
  const placeholder = el("input", { id: "nc-placeholder", name: "placeholder", required: true, autocomplete: "off", placeholder: "<my-dog>", spellcheck: "false", "data-testid": "new-concept-placeholder" });
  const initializer = el("input", { id: "nc-initializer", name: "initializer", required: true, autocomplete: "off", placeholder: "dog", "data-testid": "new-concept-initializer" });
  const vectors = el("input", { id: "nc-vectors", name: "vectors", type: "number", min: 1, max: 16, value: 1, "data-testid": "new-concept-vectors" });
  const errors = el("div", { class: "form-errors" });
  let placeholderEdited = false;

  name.addEventListener("input", () => {
    if (!placeholderEdited) placeholder.value = name.value.trim() ? `<${slug(name.value)}>` : "";
  });
  placeholder.addEventListener("input", () => {
    placeholderEdited = true;
  });

  const submit = el("button", { type: "submit", class: "btn primary", "data-testid": "new-concept-create" }, "Create concept");
  const form = el("form", { method: "dialog", class: "dialog-form" },
    el("header", { class: "dialog-head" },
      el("h2", {}, "New concept"),
      el("p", { class: "muted" }, "A subject to learn from a few pictures. Use its placeholder in prompts.")),
    field("Name", name),
    field("Placeholder token", placeholder, "Stands for the subject in prompts. Must not be a word the tokenizer already knows."),
    el("div", { class: "form-row" },
      field("Initializer word", initializer, "A word close to the subject, e.g. dog, mug, sculpture. Training starts from it."),
      field("Vectors", vectors, "Per token; 1 is usual.")),
    errors,
    el("footer", { class: "dialog-actions" },
      el("button", { type: "button", class: "btn", onclick: () => dialog.close() }, "Cancel"),
      submit));

  const dialog = el("dialog", { class: "dialog", "aria-labelledby": "nc-title" }, form);
  form.querySelector("h2").id = "nc-title";
  dialog.addEventListener("close", () => dialog.remove());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    errors.replaceChildren();
    try {
      const concept = await api.createConcept({
        name: name.value.trim(),
        placeholder: placeholder.value.trim(),
        initializer: initializer.value.trim(),
        vectors: Number(vectors.value) || 1,
      });
      putConcept(concept);
      dialog.close();
      location.hash = `#/c/${encodeURIComponent(concept.id)}/references`;
    } catch (error) {
      fill(errors, failure(error, "Creating the concept"));
      submit.disabled = false;
    }
  });

  document.body.append(dialog);
  dialog.showModal();
  name.focus();
}

function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    input,
    hint ? el("small", { class: "hint" }, hint) : null);
}
