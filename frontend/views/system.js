// System page: engines, device, memory (refreshed while shown) and the model packages.

import { api } from "../api.js";
import { el, failure, notice, bytes, fill } from "../dom.js";

const NO_MODELS = "No model package is installed — see models/README.md.";

export function mount(host) {
  const system = el("div", { class: "panel", "data-testid": "system" }, el("h2", {}, "System"), el("p", { class: "muted" }, "Loading…"));
  const models = el("div", { class: "panel", "data-testid": "models" }, el("h2", {}, "Model packages"), el("p", { class: "muted" }, "Loading…"));
  host.append(
    el("header", { class: "page-head" }, el("h1", {}, "System"),
      el("p", { class: "muted" }, "What the server found: engines, device, memory and model packages. The REST API is described at ", el("a", { href: "/v3/api-docs" }, "/v3/api-docs"), ".")),
    el("div", { class: "two-col" }, system, models));

  async function loadSystem() {
    try {
      renderSystem(await api.system());
    } catch (error) {
      fill(system, el("h2", {}, "System"), failure(error, "Reading /api/system"));
    }
  }

  function renderSystem(s) {
    const jvm = s.jvm;
    fill(system, el("h2", {}, "System"), el("table", { class: "kv" },
      row("Device", s.device.chosen, s.device.reason),
      row("Inference engine", s.inferenceEngine.chosen, s.inferenceEngine.reason),
      ...(s.threads ? [row("libtorch threads", String(s.threads.chosen), `${s.threads.reason}; OpenMP wait policy ${s.threads.waitPolicy}`)] : []),
      row("PyTorch", ...engine(s.engines.pytorch)),
      row("TensorRT", ...engine(s.engines.tensorrt)),
      row("CUDA GPUs (driver)", String(s.engines.cudaGpuCount)),
      row("Processors / threads", `${jvm.availableProcessors} / ${jvm.liveThreads}`),
      row("Heap used / max", `${bytes(jvm.heapUsedBytes)} / ${bytes(jvm.heapMaxBytes)}`),
      row("Resident memory", bytes(jvm.residentBytes), "whole process, libtorch included"),
      row("ConceptRank", s.conceptrankVersion),
      row("Java", s.javaVersion)));
  }

  async function loadModels() {
    let list;
    try {
      list = await api.models();
    } catch (error) {
      fill(models, el("h2", {}, "Model packages"), error.missing ? notice("warn", NO_MODELS) : failure(error, "Reading /api/models"));
      return;
    }
    fill(models, el("h2", {}, "Model packages"), list.length === 0
      ? notice("warn", NO_MODELS)
      : el("ul", { class: "model-list" }, list.map((m) => el("li", {},
        el("div", { class: "model-title" },
          el("strong", {}, m.name || m.id),
          m.family ? el("span", { class: "chip" }, m.family) : null,
          el("span", { class: `chip ${m.loadable ? "ok" : "bad"}` }, m.loadable ? "loadable" : "problem")),
        m.description ? el("p", { class: "muted" }, m.description) : null,
        el("code", { class: "muted small" }, m.path || m.id),
        m.problems && m.problems.length ? el("ul", { class: "problems" }, m.problems.map((p) => el("li", {}, p))) : null))));
  }

  loadSystem();
  loadModels();
  // Memory figures move while jobs run.
  const timer = setInterval(loadSystem, 10000);
  return { title: "System", cleanup: () => clearInterval(timer) };
}

function row(label, value, reason) {
  return el("tr", {}, el("th", {}, label), el("td", {}, value, reason ? el("span", { class: "reason" }, reason) : null));
}

function engine(e) {
  if (!e.available) return [el("span", { class: "bad" }, "not available"), e.reason];
  return [el("span", { class: "ok" }, `${e.version} · ${e.gpuCount > 0 ? `${e.gpuCount} GPU(s)` : "CPU only"}`), `devices: ${e.devices.join(", ")}`];
}
