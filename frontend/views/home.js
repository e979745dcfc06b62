// Start page: what the tool does in three steps, and the toy world's demo subjects one click away.

import { api } from "../api.js";
import { el, failure, toast, fill } from "../dom.js";
import { state, putConcept } from "../state.js";
import { openNewConcept } from "./newconcept.js";

export function mount(host, { demoOnly }) {
  const demo = el("section", { class: "panel", "aria-labelledby": "demo-heading" },
    el("div", { class: "panel-head" },
      el("h2", { id: "demo-heading" }, "Demo subjects"),
      el("p", { class: "muted" }, "Subjects from the toy world, rendered as reference pictures. Pick one to get a ready concept and go straight to training.")),
    el("div", { class: "demo-grid", "data-testid": "demo-subjects" }, skeletons(4)));

  if (demoOnly) {
    host.append(el("header", { class: "page-head" }, el("h1", {}, "Demo subjects"),
      el("p", { class: "muted" }, "The toy world's subjects, one click from a trained-ready concept.")));
  } else {
    host.append(
      el("section", { class: "hero" },
        el("h1", {}, "Teach the model a subject, then rank what it makes."),
        el("p", { class: "lead" }, "Upload a few pictures, train a textual-inversion embedding with a KL regularizer that keeps the new token behaving like a word, and see every generated batch ranked by how well each image shows both the subject and the prompt's context."),
        el("ol", { class: "steps" },
          step("1", "References", "Drop 3–10 pictures of your subject."),
          step("2", "Train", "Watch the loss, the KL term and the embedding norm live."),
          step("3", "Generate & rank", "Prompt with your token; the grid is sorted by the metric you pick.")),
        el("div", { class: "hero-actions" },
          el("button", { type: "button", class: "btn primary", onclick: openNewConcept, "data-testid": "hero-new-concept" }, "New concept"),
          state.concepts.length ? el("a", { class: "btn", href: `#/c/${encodeURIComponent(state.concepts[0].id)}/references` }, `Open ${state.concepts[0].name}`) : null)));
  }
  host.append(demo);
  loadSubjects(demo.querySelector(".demo-grid"));
  return { title: demoOnly ? "Demo subjects" : null, cleanup: () => {} };
}

function step(number, title, text) {
  return el("li", {}, el("span", { class: "step-num" }, number), el("strong", {}, title), el("span", { class: "muted" }, text));
}

function skeletons(count) {
  return Array.from({ length: count }, () => el("div", { class: "demo-card skeleton", "aria-hidden": "true" }));
}

async function loadSubjects(grid) {
  let subjects;
  try {
    subjects = await api.demoSubjects();
  } catch (error) {
    grid.replaceWith(failure(error, "The demo subjects list"));
    return;
  }
  if (!subjects.length) {
    grid.replaceWith(el("p", { class: "muted" }, "This server has no demo subjects."));
    return;
  }
  fill(grid, ...subjects.map((subject) => {
    const button = el("button", { type: "button", class: "btn primary small", "data-testid": "demo-create", "data-subject": subject.id }, "Use this subject");
    const card = el("article", { class: "demo-card", "data-testid": "demo-subject" },
      el("div", { class: "demo-preview" },
        subject.preview ? el("img", { src: subject.preview, alt: `${subject.name} preview`, loading: "lazy" }) : null,
        subject.heldOut ? el("span", { class: "badge", title: "The toy model never saw this subject: a fair test of learning it" }, "held out") : null),
      el("div", { class: "demo-body" },
        el("h3", {}, subject.name || subject.id),
        el("code", { class: "muted" }, subject.id),
        button));
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Rendering…";
      try {
        const concept = await api.createDemoConcept(subject.id);
        putConcept(concept);
        toast(`${concept.name} created with ${concept.references.length} reference pictures`, "ok");
        location.hash = `#/c/${encodeURIComponent(concept.id)}/references`;
      } catch (error) {
        card.append(failure(error, "Creating the demo concept"));
        button.disabled = false;
        button.textContent = "Use this subject";
      }
    });
    return card;
  }));
}
