// Small DOM helpers shared by the views: element builder, toasts, formatting.

/**
 * Builds an element. Attributes starting with "on" become listeners, `class`/`text` are shortcuts,
 * `false`/null attributes are left out; children may be strings, nodes, arrays or null.
 */
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "text") {
      node.textContent = value;
    } else if (key === "value") {
      node.value = value;
    } else if (key === "checked") {
      node.checked = Boolean(value);
    } else {
      node.setAttribute(key, value === true ? "" : value);
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child);
  }
}

/** A notice shown in place: kind is "error", "warn", "info" or "ok". */
export function notice(kind, ...children) {
  return el("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

/** The inline message for an endpoint a server does not have yet, or any other failure. */
export function failure(error, what) {
  if (error && error.missing) {
    return notice("warn", el("strong", {}, `${what} is not available on this server yet`), " ",
      el("span", { class: "muted" }, `(${error.request} answered ${error.status}).`));
  }
  return notice("error", el("strong", {}, `${what} failed: `), error ? error.message : "unknown error");
}

let toastHost = null;

/** A short message in the corner that goes away by itself. */
export function toast(message, kind = "info") {
  if (!toastHost) {
    toastHost = el("div", { class: "toasts", "aria-live": "polite" });
    document.body.append(toastHost);
  }
  const item = el("div", { class: `toast toast-${kind}` }, message);
  toastHost.append(item);
  setTimeout(() => item.classList.add("leaving"), 4200);
  setTimeout(() => item.remove(), 4600);
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A number for a table cell: 4 significant digits, exponent form for very small or large ones. */
export function num(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

export function bytes(value) {
  if (value === null || value === undefined || value < 0) return "n/a";
  if (value < 1024) return `${value} B`;
  if (value < 1048576) return `${(value / 1024).toFixed(0)} KiB`;
  if (value < 1073741824) return `${(value / 1048576).toFixed(0)} MiB`;
  return `${(value / 1073741824).toFixed(1)} GiB`;
}

export function timeAgo(iso) {
  if (!iso) return "";
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** Progress previews come as a data URL or as bare base64 PNG. */
export function imageSource(value) {
  if (!value) return null;
  return /^(data:|https?:|\/)/.test(value) ? value : `data:image/png;base64,${value}`;
}

/** Copies text; falls back to a hidden textarea where the async clipboard is not allowed. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { class: "offscreen" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

/** Makes a container accept dropped files; onFiles gets an array of File. */
export function dropTarget(node, onFiles) {
  let depth = 0;
  node.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    node.classList.add("dragging");
  });
  node.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  node.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) node.classList.remove("dragging");
  });
  node.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    node.classList.remove("dragging");
    onFiles([...event.dataTransfer.files]);
  });
}

function hasFiles(event) {
  return event.dataTransfer && [...event.dataTransfer.types].includes("Files");
}

/** Replaces a node's children, skipping null/false ones like el() does. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const DICE = "M3 2.5h10a.5.5 0 01.5.5v10a.5.5 0 01-.5.5H3a.5.5 0 01-.5-.5V3a.5.5 0 01.5-.5z";

/** A square button that puts a random 31-bit seed into an input. */
export function randomSeedButton(input) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.innerHTML = `<path d="${DICE}" fill="none" stroke="currentColor" stroke-width="1.3"/>`
    + [[5.5, 5.5], [10.5, 5.5], [8, 8], [5.5, 10.5], [10.5, 10.5]].map(([x, y]) => `<circle cx="${x}" cy="${y}" r="1.1" fill="currentColor"/>`).join("");
  return el("button", {
    type: "button", class: "icon-btn", title: "Random seed", "aria-label": "Random seed",
    onclick: () => {
      input.value = String(Math.floor(Math.random() * 2 ** 31));
      input.dispatchEvent(new Event("change"));
    },
  }, svg);
}
