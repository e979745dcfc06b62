// Full-size view of one image of a set, with its details and a copy button for its parameters.
// Arrow keys move through the set, Escape closes (the <dialog> element handles focus).

import { el, copyText, toast, fill } from "../dom.js";

/**
 * @param items [{src, alt, title, details (node), text (copyable parameters), download (file name)}]
 */
export function openLightbox(items, start = 0) {
  let index = start;
  const image = el("img", { class: "lightbox-image", alt: "" });
  const side = el("div", { class: "lightbox-side" });
  const counter = el("span", { class: "muted" });
  const previous = el("button", { type: "button", class: "icon-btn", "aria-label": "Previous image", onclick: () => go(-1) }, "‹");
  const next = el("button", { type: "button", class: "icon-btn", "aria-label": "Next image", onclick: () => go(1) }, "›");
  const close = el("button", { type: "button", class: "icon-btn", "aria-label": "Close", "data-testid": "lightbox-close", onclick: () => dialog.close() }, "×");

  const dialog = el("dialog", { class: "lightbox", "aria-label": "Image viewer", "data-testid": "lightbox" },
    el("div", { class: "lightbox-bar" }, previous, counter, next, el("span", { class: "spacer" }), close),
    el("div", { class: "lightbox-body" }, el("div", { class: "lightbox-stage" }, image), side));

  function show() {
    const item = items[index];
    image.src = item.src;
    image.alt = item.alt || item.title || "";
    // Small images (the toy model makes 64x64) are scaled up without blurring.
    image.onload = () => image.classList.toggle("pixelated", image.naturalWidth <= 256);
    counter.textContent = items.length > 1 ? `${index + 1} / ${items.length}` : "";
    previous.hidden = next.hidden = items.length < 2;
    fill(side,
      item.title ? el("h2", {}, item.title) : null,
      item.details || null,
      item.text ? el("div", { class: "params" },
        el("div", { class: "params-head" },
          el("span", { class: "label" }, "Parameters"),
          el("button", {
            type: "button", class: "btn small", "data-testid": "copy-parameters",
            onclick: () => copyText(item.text).then(() => toast("Parameters copied", "ok")),
          }, "Copy")),
        el("pre", { "data-testid": "lightbox-parameters" }, item.text)) : null,
      el("a", { class: "btn small", href: item.src, download: item.download || "", target: "_blank", rel: "noopener" }, "Open / save image"));
  }

  function go(delta) {
    index = (index + delta + items.length) % items.length;
    show();
  }

  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") go(1);
    else if (event.key === "ArrowLeft") go(-1);
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  show();
  dialog.showModal();
  close.focus();
}
