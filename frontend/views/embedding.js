// Embedding tab: what the concept's embedding is, download it in either layout, import one.

import { api } from "../api.js";
import { el, failure, notice, dropTarget, toast, timeAgo, fill } from "../dom.js";
import { conceptById, putConcept } from "../state.js";

export function mount(panel, id) {
  const info = el("div", { class: "panel" });
  const input = el("input", { type: "file", accept: ".safetensors", id: "embedding-input", class: "visually-hidden", "data-testid": "embedding-input" });
  const importMessage = el("div", { class: "form-errors" });
  const zone = el("div", { class: "dropzone small", "data-testid": "embedding-dropzone" },
    el("p", { class: "dropzone-title" }, "Drop a .safetensors embedding here"),
    el("p", { class: "muted" }, "A1111 / InvokeAI ({emb_params: [n, 768]}) or diffusers ({token: [n, 768]}). Pickled .pt files are refused."),
    el("label", { for: "embedding-input", class: "btn", tabindex: "0", role: "button" }, "Choose file"),
    input);
  panel.append(info, el("div", { class: "panel" },
    el("div", { class: "panel-head" }, el("h2", {}, "Import"),
      el("p", { class: "muted" }, "Replaces the concept's embedding with one trained elsewhere.")),
    zone, importMessage));

  async function importFile(file) {
    if (!file) return;
    fill(importMessage, el("p", { class: "muted" }, `Importing ${file.name}…`));
    try {
      putConcept(await api.importEmbedding(id, file));
      importMessage.replaceChildren();
      toast(`Imported ${file.name}`, "ok");
    } catch (error) {
      fill(importMessage, failure(error, `Importing ${file.name}`));
    }
  }
  zone.querySelector("label").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener("change", () => {
    importFile(input.files[0]);
    input.value = "";
  });
  dropTarget(zone, (files) => importFile(files[0]));

  function render(concept) {
    const e = concept.embedding;
    fill(info,
      el("div", { class: "panel-head" }, el("h2", {}, "Embedding"),
        el("p", { class: "muted" }, `The learned vectors for ${concept.placeholder}. Use them in other tools: A1111 and InvokeAI take the trigger word from the file name.`)),
      e
        ? el("dl", { class: "facts wide" },
          el("dt", {}, "Shape"), el("dd", {}, `${e.vectors} × ${e.width}`),
          el("dt", {}, "Source"), el("dd", {}, e.source === "import" ? `imported from ${e.originalName || "a file"}` : `training${e.step ? `, step ${e.step}` : ""}`),
          el("dt", {}, "Updated"), el("dd", { title: e.updated }, timeAgo(e.updated)))
        : notice("info", "No embedding yet: train the concept or import a file. ", el("a", { href: `#/c/${encodeURIComponent(id)}/train` }, "Go to Train")),
      el("div", { class: "form-actions" },
        download(concept, "a1111", "Download A1111 / InvokeAI", `${concept.id}.safetensors`),
        download(concept, "diffusers", "Download diffusers", `${concept.id}-learned_embeds.safetensors`)));
  }

  function download(concept, format, label, file) {
    if (!concept.embedding) return el("button", { type: "button", class: "btn", disabled: true, "data-testid": `download-${format}` }, label);
    return el("a", { class: `btn${format === "a1111" ? " primary" : ""}`, href: api.embeddingUrl(concept.id, format), download: file, "data-testid": `download-${format}` }, label);
  }

  render(conceptById(id));
  return { cleanup: () => {}, update: render };
}
