// One concept: its header and the References / Train / Generate / Embedding tabs.

import { api } from "../api.js";
import { el, notice, toast, fill } from "../dom.js";
import { conceptById, onConcepts, dropConcept } from "../state.js";
import * as references from "./references.js";
import * as train from "./train.js";
import * as generate from "./generate.js";
import * as embedding from "./embedding.js";

const TABS = [
  { id: "references", label: "References", module: references },
  { id: "train", label: "Train", module: train },
  { id: "generate", label: "Generate", module: generate },
  { id: "embedding", label: "Embedding", module: embedding },
];

export function mount(host, id, initialTab) {
  const header = el("header", { class: "concept-head" });
  const tabBar = el("div", { class: "tabs", role: "tablist", "aria-label": "Concept" });
  const panel = el("section", { class: "tab-panel", role: "tabpanel", tabindex: "-1" });
  host.append(header, tabBar, panel);
  let active = null;

  const buttons = TABS.map((tab) => {
    const button = el("a", {
      href: `#/c/${encodeURIComponent(id)}/${tab.id}`, role: "tab", id: `tab-${tab.id}`, class: "tab",
      "data-testid": `tab-${tab.id}`, "aria-controls": "tab-panel",
    }, tab.label);
    button.addEventListener("keydown", (event) => {
      const index = TABS.indexOf(tab);
      const next = event.key === "ArrowRight" ? index + 1 : event.key === "ArrowLeft" ? index - 1 : null;
      if (next === null) return;
      event.preventDefault();
      const target = TABS[(next + TABS.length) % TABS.length];
      location.hash = `#/c/${encodeURIComponent(id)}/${target.id}`;
      document.getElementById(`tab-${target.id}`).focus();
    });
    return button;
  });
  tabBar.append(...buttons);
  panel.id = "tab-panel";

  function renderHeader() {
    const concept = conceptById(id);
    if (!concept) return;
    fill(header,
      el("div", { class: "concept-title" },
        el("h1", {}, concept.name),
        el("div", { class: "chips" },
          el("span", { class: "chip accent", title: "Placeholder token for prompts" }, concept.placeholder),
          el("span", { class: "chip", title: "Initializer word" }, `init: ${concept.initializer}`),
          el("span", { class: "chip" }, `${concept.vectors} vector${concept.vectors === 1 ? "" : "s"}`),
          el("span", { class: "chip" }, `${concept.references.length} reference${concept.references.length === 1 ? "" : "s"}`),
          concept.embedding
            ? el("span", { class: "chip ok", "data-testid": "embedding-badge", title: `${concept.embedding.source}${concept.embedding.step ? ` at step ${concept.embedding.step}` : ""}` }, "✓ embedding")
            : el("span", { class: "chip dim" }, "not trained"))),
      el("a", { class: "btn ghost", href: `#/compare/${encodeURIComponent(id)}`, "data-testid": "compare-concept",
        title: "Compare with a plain-TI twin: the edit test and the evaluation protocol" }, "Compare"),
      el("button", {
        type: "button", class: "btn ghost danger", "data-testid": "delete-concept",
        onclick: async () => {
          if (!confirm(`Delete ${concept.name} with its pictures and embedding?`)) return;
          try {
            await api.deleteConcept(id);
            dropConcept(id);
            location.hash = "#/";
          } catch (error) {
            toast(`Delete failed: ${error.message}`, "error");
          }
        },
      }, "Delete"));
  }

  function showTab(tabId) {
    const tab = TABS.find((t) => t.id === tabId) || TABS[0];
    if (!conceptById(id)) {
      header.replaceChildren();
      tabBar.hidden = true;
      fill(panel, notice("warn", `There is no concept “${id}”. `, el("a", { href: "#/home" }, "Back to the start page")));
      return;
    }
    tabBar.hidden = false;
    for (const button of buttons) {
      const selected = button.id === `tab-${tab.id}`;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `tab-${tab.id}`);
    if (active && active.tab === tab) return;
    if (active) active.view.cleanup();
    panel.replaceChildren();
    active = { tab, view: tab.module.mount(panel, id) };
  }

  renderHeader();
  showTab(initialTab);
  const stop = onConcepts(() => {
    if (!conceptById(id)) {
      showTab(null);
      return;
    }
    renderHeader();
    if (active && active.view.update) active.view.update(conceptById(id));
  });

  return {
    title: conceptById(id) ? conceptById(id).name : id,
    showTab,
    cleanup: () => {
      stop();
      if (active) active.view.cleanup();
    },
  };
}
