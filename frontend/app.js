// Entry point: the sidebar (concepts, active jobs, connection), the hash router and the views.

import { api } from "./api.js";
import { el, toast, fill } from "./dom.js";
import { jobs, isActive, conceptOf } from "./ws.js";
import { state, loadConcepts, onConcepts, conceptById, refreshConcept } from "./state.js";
import "./trainlog.js";
import { openNewConcept } from "./views/newconcept.js";
import * as home from "./views/home.js";
import * as concept from "./views/concept.js";
import * as plugins from "./views/plugins.js";
import * as system from "./views/system.js";
import * as compare from "./views/compare.js";

const LAST_CONCEPT = "conceptrank.lastConcept";
const viewHost = document.getElementById("view");
let current = { key: null, cleanup: null };

/** "#/c/my-dog/train" -> {page: "concept", id: "my-dog", tab: "train"}. */
function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "c" && parts[1]) return { page: "concept", id: parts[1], tab: parts[2] || "references" };
  if (parts[0] === "compare") return { page: "compare", ids: parts.slice(1, 3).filter(Boolean) };
  if (["home", "demo", "plugins", "system"].includes(parts[0])) return { page: parts[0] };
  return { page: "default" };
}

function route() {
  const r = parseRoute();
  if (r.page === "default") {
    const last = localStorage.getItem(LAST_CONCEPT);
    const target = conceptById(last) || state.concepts[0];
    location.replace(target ? `#/c/${encodeURIComponent(target.id)}/references` : "#/home");
    return;
  }
  if (r.page === "concept") localStorage.setItem(LAST_CONCEPT, r.id);
  // A lightbox or dialog belongs to the page it was opened on.
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  // The compare page keeps its address current itself (history.replaceState), so a new address is a new page.
  const key = r.page === "concept" ? `concept:${r.id}` : r.page === "compare" ? `compare:${location.hash}` : r.page;
  highlightNav(r);
  // Switching tabs within one concept keeps the concept view and only swaps the tab.
  if (current.key === key && r.page === "concept") {
    current.view.showTab(r.tab);
    return;
  }
  if (current.cleanup) current.cleanup();
  viewHost.replaceChildren();
  let view;
  if (r.page === "concept") view = concept.mount(viewHost, r.id, r.tab);
  else if (r.page === "plugins") view = plugins.mount(viewHost);
  else if (r.page === "system") view = system.mount(viewHost);
  else if (r.page === "compare") view = compare.mount(viewHost, r.ids[0], r.ids[1]);
  else view = home.mount(viewHost, { demoOnly: r.page === "demo" });
  current = { key, cleanup: view.cleanup, view };
  document.title = view.title ? `${view.title} · ConceptRank` : "ConceptRank";
}

function highlightNav(r) {
  for (const link of document.querySelectorAll(".sidebar a[href]")) {
    const href = link.getAttribute("href");
    const active = r.page === "concept"
      ? href.startsWith(`#/c/${encodeURIComponent(r.id)}/`)
      : href === `#/${r.page}`;
    link.classList.toggle("active", active);
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderConceptList() {
  const list = document.getElementById("concept-list");
  if (state.conceptsError) {
    fill(list, el("li", { class: "side-empty bad" }, `Cannot list concepts: ${state.conceptsError.message}`));
    return;
  }
  if (state.concepts.length === 0) {
    fill(list, el("li", { class: "side-empty" }, "No concepts yet. Create one or start from a demo subject."));
    return;
  }
  const active = jobs.list(isActive);
  fill(list, ...state.concepts.map((c) => {
    const job = active.find((j) => conceptOf(j) === c.id);
    const first = c.references[0];
    return el("li", {},
      el("a", { href: `#/c/${encodeURIComponent(c.id)}/references`, class: "concept-item", "data-testid": "concept-item", "data-concept-id": c.id },
        first
          ? el("img", { class: "concept-thumb", src: api.referenceUrl(c.id, first.file), alt: "", loading: "lazy" })
          : el("span", { class: "concept-thumb empty", "aria-hidden": "true" }, c.name.slice(0, 1).toUpperCase()),
        el("span", { class: "concept-text" },
          el("span", { class: "concept-name" }, c.name),
          el("span", { class: "concept-meta" },
            el("code", {}, c.placeholder), ` · ${c.references.length} ref${c.references.length === 1 ? "" : "s"}`)),
        job
          ? el("span", { class: `busy ${job.type}`, title: `${job.type} ${job.state.toLowerCase()}` })
          : c.embedding ? el("span", { class: "trained", title: "has an embedding" }, "✓") : null));
  }));
  highlightNav(parseRoute());
}

function renderJobDock() {
  const active = jobs.list(isActive).reverse();
  const dock = document.getElementById("jobs-dock");
  dock.hidden = active.length === 0;
  fill(document.getElementById("job-list"), ...active.map((job) => {
    const p = job.progress || {};
    const step = p.step ?? null;
    const total = p.totalSteps ?? p.steps ?? null;
    const fraction = step !== null && total ? Math.min(1, step / total) : null;
    const owner = conceptById(conceptOf(job));
    return el("li", { class: "job-item" },
      el("div", { class: "job-line" },
        el("span", { class: `job-type ${job.type}` }, job.type),
        owner
          ? el("a", { class: "job-owner", href: `#/c/${encodeURIComponent(owner.id)}/${job.type === "train" ? "train" : "generate"}` }, owner.name)
          : el("span", { class: "job-owner", title: (job.params && job.params.prompt) || "" }, (job.params && job.params.prompt) || job.id.slice(0, 8)),
        el("button", {
          type: "button", class: "icon-btn small", title: "Cancel job", "aria-label": `Cancel ${job.type} job`,
          disabled: job.cancelRequested,
          onclick: () => api.cancelJob(job.id).then((j) => jobs.put(j)).catch((e) => toast(e.message, "error")),
        }, "×")),
      el("div", { class: "bar" + (fraction === null ? " indeterminate" : "") },
        el("span", { style: `width:${fraction === null ? 100 : fraction * 100}%` })),
      el("div", { class: "job-sub" }, job.state === "QUEUED" ? "queued"
        : job.cancelRequested ? "cancelling…"
        : fraction !== null ? `${step} / ${total}` : "running"));
  }));
}

let lastStatus = null;

function renderConnection(status) {
  // Back after an interruption: concepts may have changed meanwhile (the jobs come with the snapshot).
  if (status === "live" && lastStatus === "reconnecting") loadConcepts();
  lastStatus = status;
  const node = document.getElementById("connection");
  node.dataset.status = status;
  node.querySelector(".label").textContent = status === "live" ? "live" : status === "connecting" ? "connecting…" : "reconnecting…";
  node.title = status === "live" ? "Receiving live job updates" : "Live updates interrupted; retrying";
}

/** A finished training changes its concept (it now has an embedding); say so wherever the user is. */
function onJobEvent(job, type) {
  renderJobDock();
  renderConceptList();
  if (!job) return;
  const owner = conceptById(conceptOf(job));
  const kind = { train: "Training", generate: "Generation", evaluate: "Evaluation protocol", rank: "Ranking" }[job.type] || job.type;
  const label = `${kind}${owner ? ` of ${owner.name}` : ""}`;
  if (type === "job.finished") {
    if (owner) refreshConcept(owner.id);
    toast(`${label} finished`, "ok");
  } else if (type === "job.failed") {
    toast(`${label} failed: ${job.error || "see the job"}`, "error");
  }
}

document.getElementById("new-concept").addEventListener("click", openNewConcept);
window.addEventListener("hashchange", route);
onConcepts(renderConceptList);
jobs.subscribe(onJobEvent);
jobs.onStatus(renderConnection);

api.system().then((s) => {
  document.getElementById("version").textContent = `v${s.conceptrankVersion}`;
}).catch(() => {});

loadConcepts().then(route);
jobs.start();
