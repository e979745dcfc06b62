"use strict";

const NO_MODELS = "No model package is installed \u2014 see README";

/** GET a JSON document; rejects with the server's {error, detail} message when there is one. */
async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body && body.detail ? body.detail : `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Builds an element; children may be strings or nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
  children.filter((child) => child !== null && child !== undefined).forEach((child) => node.append(child));
  return node;
}

function mebibytes(bytes) {
  return bytes === null || bytes === undefined || bytes < 0 ? "n/a" : `${(bytes / 1048576).toFixed(0)} MiB`;
}

function row(label, value, reason) {
  return el("tr", {}, el("th", {}, label), el("td", {}, value, reason ? el("span", { class: "reason" }, reason) : null));
}

function engineCell(engine) {
  if (!engine.available) {
    return [el("span", { class: "bad" }, "not available"), engine.reason];
  }
  const gpus = engine.gpuCount > 0 ? `${engine.gpuCount} GPU(s)` : "CPU only";
  return [el("span", { class: "ok" }, `${engine.version} \u00b7 ${gpus}`), `devices: ${engine.devices.join(", ")}`];
}

function renderSystem(system) {
  document.getElementById("version").textContent = `v${system.conceptrankVersion}`;
  const jvm = system.jvm;
  const table = el("table", {},
    row("Device", system.device.chosen, system.device.reason),
    row("Inference engine", system.inferenceEngine.chosen, system.inferenceEngine.reason),
    row("PyTorch", ...engineCell(system.engines.pytorch)),
    row("TensorRT", ...engineCell(system.engines.tensorrt)),
    row("CUDA GPUs (driver)", String(system.engines.cudaGpuCount)),
    row("Processors / threads", `${jvm.availableProcessors} / ${jvm.liveThreads}`),
    row("Heap used / max", `${mebibytes(jvm.heapUsedBytes)} / ${mebibytes(jvm.heapMaxBytes)}`),
    row("Resident memory", mebibytes(jvm.residentBytes), "whole process, libtorch included"),
    row("Java", system.javaVersion));
  document.getElementById("system").replaceChildren(table);
  document.getElementById("system").className = "";
}

/** Accepts a plain array or {models: [...]} / {packages: [...]}; items are names or objects with a name. */
function renderModels(answer) {
  const models = Array.isArray(answer) ? answer : (answer && (answer.models || answer.packages)) || [];
  const target = document.getElementById("models");
  if (models.length === 0) {
    target.replaceChildren(el("p", { class: "notice" }, NO_MODELS));
    return;
  }
  const items = models.map((model) => typeof model === "string"
    ? el("li", {}, el("span", { class: "name" }, model))
    : el("li", {}, el("span", { class: "name" }, model.name || model.id || "?"),
        model.description ? el("div", { class: "muted" }, model.description) : null));
  target.replaceChildren(el("ul", { class: "models" }, ...items));
  target.className = "";
}

async function loadSystem() {
  try {
    renderSystem(await getJson("/api/system"));
  } catch (error) {
    document.getElementById("system").replaceChildren(el("p", { class: "bad" }, `Cannot read /api/system: ${error.message}`));
  }
}

async function loadModels() {
  const target = document.getElementById("models");
  try {
    renderModels(await getJson("/api/models"));
  } catch (error) {
    // 404: the server has no model endpoint yet, which also means no model package.
    target.replaceChildren(error.status === 404
      ? el("p", { class: "notice" }, NO_MODELS)
      : el("p", { class: "bad" }, `Cannot read /api/models: ${error.message}`));
  }
}

document.getElementById("refresh").addEventListener("click", loadSystem);
loadSystem();
loadModels();
// Memory figures move while jobs run; keep them current without a reload.
setInterval(loadSystem, 10000);
