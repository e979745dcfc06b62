// References tab: drop pictures (or choose them), see each upload's outcome, browse and delete the
// stored ones. The server answers per file (201 all stored, 207 some refused, 400 none, 413 too big).

import { api } from "../api.js";
import { el, dropTarget, toast, fill } from "../dom.js";
import { conceptById, putConcept, refreshConcept } from "../state.js";
import { openLightbox } from "./lightbox.js";

const BATCH = 20; // conceptrank.uploads.max-files default: larger drops go in several requests
const ACCEPT = "image/png,image/jpeg,image/webp";

export function mount(panel, id) {
  const input = el("input", { type: "file", multiple: true, accept: ACCEPT, class: "visually-hidden", id: "upload-input", "data-testid": "upload-input" });
  const zone = el("div", { class: "dropzone", "data-testid": "dropzone" },
    el("div", { class: "dropzone-icon", "aria-hidden": "true" }, "⇪"),
    el("p", { class: "dropzone-title" }, "Drop pictures of the subject here"),
    el("p", { class: "muted" }, "PNG, JPEG or WebP · 3–10 pictures with varied backgrounds and angles work best"),
    el("label", { for: "upload-input", class: "btn primary", tabindex: "0", role: "button", "data-testid": "upload-button" }, "Choose files"),
    input);
  const tray = el("ul", { class: "upload-tray", "aria-live": "polite", "data-testid": "upload-tray" });
  const grid = el("div", { class: "ref-grid", "data-testid": "reference-grid" });
  const count = el("span", { class: "muted" });
  panel.append(zone, tray,
    el("div", { class: "section-head" }, el("h2", {}, "Reference pictures"), count),
    grid);

  zone.querySelector("label").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener("change", () => {
    upload([...input.files]);
    input.value = "";
  });
  dropTarget(zone, upload);

  async function upload(files) {
    if (files.length === 0) return;
    for (let i = 0; i < files.length; i += BATCH) await uploadBatch(files.slice(i, i + BATCH));
    await refreshConcept(id);
  }

  async function uploadBatch(files) {
    const items = files.map((file) => pending(file));
    tray.append(...items.map((item) => item.node));
    let results = null;
    let whole = null;
    try {
      const answer = await api.uploadReferences(id, files);
      results = answer.files;
    } catch (error) {
      // A 400 still says per file why; a 413 or a network failure concerns the whole batch.
      if (error.body && Array.isArray(error.body.files)) results = error.body.files;
      else whole = error.status === 413 ? `too large: ${error.message}` : error.message;
    }
    items.forEach((item, index) => {
      const result = results && results[index];
      if (result && result.status === "stored") item.stored();
      else item.rejected(result ? result.error : whole || "not stored");
    });
    const stored = results ? results.filter((r) => r.status === "stored").length : 0;
    if (stored) toast(`${stored} picture${stored === 1 ? "" : "s"} added`, "ok");
  }

  function pending(file) {
    const url = URL.createObjectURL(file);
    const status = el("span", { class: "tray-status" }, el("span", { class: "spinner", "aria-hidden": "true" }), "uploading");
    const node = el("li", { class: "tray-item uploading", "data-testid": "upload-item" },
      el("img", { src: url, alt: "", onerror: (event) => event.target.replaceWith(el("span", { class: "tray-broken", "aria-hidden": "true" }, "?")) }),
      el("div", { class: "tray-text" }, el("span", { class: "tray-name", title: file.name }, file.name), status));
    const dismiss = () => {
      URL.revokeObjectURL(url);
      node.remove();
    };
    return {
      node,
      stored() {
        dismiss();
      },
      rejected(reason) {
        node.classList.replace("uploading", "rejected");
        fill(status, el("span", { class: "error-chip", "data-testid": "upload-error" }, reason));
        node.append(el("button", { type: "button", class: "icon-btn small", "aria-label": `Dismiss ${file.name}`, onclick: dismiss }, "×"));
      },
    };
  }

  function render(concept) {
    const refs = concept.references;
    count.textContent = refs.length ? `${refs.length} stored as normalized PNG` : "";
    if (refs.length === 0) {
      fill(grid, el("p", { class: "empty" }, "No pictures yet. Training needs at least one; a handful from different angles gives a better embedding."));
      return;
    }
    const items = refs.map((ref) => ({
      src: api.referenceUrl(id, ref.file),
      title: ref.originalName || ref.file,
      download: ref.file,
      details: el("dl", { class: "facts" },
        el("dt", {}, "Stored as"), el("dd", {}, ref.file),
        el("dt", {}, "Size"), el("dd", {}, `${ref.width} × ${ref.height}`),
        el("dt", {}, "Uploaded as"), el("dd", {}, (ref.format || "").toUpperCase())),
    }));
    fill(grid, ...refs.map((ref, index) => el("figure", { class: "ref-card", "data-testid": "reference-card", "data-file": ref.file },
      el("button", { type: "button", class: "ref-open", "aria-label": `View ${ref.originalName || ref.file}`, onclick: () => openLightbox(items, index) },
        el("img", { src: items[index].src, alt: "", loading: "lazy" })),
      el("figcaption", {},
        el("span", { class: "ref-name", title: ref.originalName || ref.file }, ref.originalName || ref.file),
        el("span", { class: "muted" }, `${ref.width}×${ref.height}`)),
      el("button", {
        type: "button", class: "ref-delete", title: "Remove this picture", "aria-label": `Remove ${ref.originalName || ref.file}`,
        "data-testid": "reference-delete",
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            putConcept(await api.deleteReference(id, ref.file));
          } catch (error) {
            toast(`Could not remove it: ${error.message}`, "error");
            button.disabled = false;
          }
        },
      }, "×"))));
  }

  render(conceptById(id));
  return { cleanup: () => {}, update: render };
}
