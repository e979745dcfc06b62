// Train tab: a form built from the trainer's defaults, Start / Cancel, and the live run: progress,
// ETA, the loss / denoise / KL curves, the embedding norm against the vocabulary's median norm, and
// the preview images.

import { api } from "../api.js";
import { el, failure, notice, toast, duration, num, imageSource, fill, randomSeedButton } from "../dom.js";
import { jobs, isActive, conceptOf } from "../ws.js";
import { conceptById } from "../state.js";
import { LineChart } from "../chart.js";
import { trainLog } from "../trainlog.js";
import { openLightbox } from "./lightbox.js";

// Labels and groups for the built-in trainer's settings; the help under each field comes from the
// trainer itself (GET /api/trainers), and settings not listed here get a plain input under "Other".
const FIELDS = {
  steps: { label: "Steps", group: "Schedule", min: 1 },
  learningRate: { label: "Learning rate", group: "Schedule", wide: true },
  batchSize: { label: "Batch size", group: "Schedule", min: 1 },
  gradientAccumulation: { label: "Gradient accumulation", group: "Schedule", min: 1 },
  beta: { label: "KL weight β", group: "Regularizer", min: 0, step: "any", wide: true },
  weighting: { label: "KL weighting", group: "Regularizer", options: ["exact", "uniform"] },
  l2: { label: "L2 pull", group: "Regularizer", min: 0, step: "any" },
  templates: { label: "Prompt templates", group: "Data", wide: true },
  flip: { label: "Flip horizontally", group: "Data" },
  cropScale: { label: "Crop scale", group: "Data", min: 0, step: "any" },
  latentSampling: { label: "Latent sampling", group: "Data", options: ["deterministic", "random"] },
  resolution: { label: "Resolution", group: "Data", min: 0 },
  weightDecay: { label: "Weight decay", group: "Schedule", min: 0, step: "any" },
  seed: { label: "Seed", group: "Run" },
  previewEvery: { label: "Preview every", group: "Run", min: 0 },
  previewSteps: { label: "Preview steps", group: "Run", min: 1 },
  checkpointEvery: { label: "Checkpoint every", group: "Run", min: 1 },
};
const GROUPS = ["Schedule", "Regularizer", "Data", "Run", "Other"];

const SAVED = "conceptrank.trainParams.";

export function mount(panel, id) {
  const formHost = el("div", { class: "panel train-form" });
  const live = el("div", { class: "train-live" });
  panel.append(el("div", { class: "split" }, formHost, live));

  const lossCanvas = el("canvas", { class: "chart", "aria-label": "Loss, denoising loss and KL per step", role: "img" });
  const normCanvas = el("canvas", { class: "chart short", "aria-label": "Embedding norm and vocabulary median norm per step", role: "img" });
  const lossChart = new LineChart(lossCanvas, [
    { key: "loss", label: "loss", color: "#7c8cf8" },
    { key: "denoiseLoss", label: "denoise", color: "#5fd4c4" },
    { key: "kl", label: "KL", color: "#f5a35c" },
  ], { log: true });
  const normChart = new LineChart(normCanvas, [
    { key: "embeddingNorm", label: "‖<S*>‖", color: "#e879b9" },
    { key: "initializerNorm", label: "initializer", color: "#f5a35c", dash: [2, 3] },
    { key: "vocabMedianNorm", label: "vocab median", color: "#8b93a3", dash: [5, 4] },
  ]);
  const logToggle = el("input", { type: "checkbox", id: "loss-log", checked: true, onchange: (e) => lossChart.setLog(e.target.checked) });

  let shownId = null;
  const runPicker = el("select", { class: "run-picker", "aria-label": "Training run to show", "data-testid": "train-run-picker", onchange: (e) => {
    shownId = e.target.value;
    refresh();
  } });
  const status = el("div", { class: "run-status" });
  const sparse = el("p", { class: "muted small", hidden: true },
    "Curves are recorded by this browser while the app is open; this run was not watched here, so only its last values show.");
  const tiles = el("div", { class: "tiles" });
  const previews = el("div", { class: "preview-strip", "data-testid": "train-previews" });
  live.append(
    el("div", { class: "panel" }, status, tiles),
    el("div", { class: "panel" },
      el("div", { class: "chart-head" },
        el("h3", {}, "Loss"),
        legend(lossChart.series),
        el("label", { class: "toggle", for: "loss-log" }, logToggle, "log scale")),
      sparse,
      lossCanvas,
      el("div", { class: "chart-head" },
        el("h3", {}, "Embedding norm"),
        legend(normChart.series),
        el("span", { class: "muted small" }, "How far the word has drifted: plain TI grows well past its initializer's norm.")),
      normCanvas),
    el("div", { class: "panel" },
      el("div", { class: "chart-head" }, el("h3", {}, "Previews"), el("span", { class: "muted small" }, "newest last")),
      previews));

  let trainer = null;
  let trainerList = [];
  let inputs = {};
  const startButton = el("button", { type: "submit", class: "btn primary", "data-testid": "train-start" }, "Start training");
  const cancelButton = el("button", { type: "button", class: "btn danger", "data-testid": "train-cancel", hidden: true }, "Cancel");
  const formMessage = el("div", { class: "form-errors", "data-testid": "train-message" });

  cancelButton.addEventListener("click", async () => {
    const job = activeJob();
    if (!job) return;
    cancelButton.disabled = true;
    try {
      jobs.put(await api.cancelJob(job.id));
    } catch (error) {
      toast(`Cancel failed: ${error.message}`, "error");
    }
  });

  async function loadTrainers() {
    fill(formHost, el("h2", {}, "Training"), el("p", { class: "muted" }, "Loading the trainer…"));
    let list = null;
    let problem = null;
    try {
      list = await api.trainers();
    } catch (error) {
      problem = failure(error, "Training");
    }
    if (!list || list.length === 0) {
      fill(formHost, el("h2", {}, "Training"), problem || notice("error", "The server lists no trainer."));
      return;
    }
    buildForm(list, null);
  }

  function buildForm(trainers, problem) {
    trainerList = trainers;
    trainer = trainers[0];
    const picker = trainers.length > 1
      ? el("select", { id: "trainer-pick", "data-testid": "trainer-pick", onchange: (e) => {
        trainer = trainers.find((t) => t.id === e.target.value);
        renderFields();
      } }, trainers.map((t) => el("option", { value: t.id }, t.name || t.id)))
      : null;
    const fieldsHost = el("div", { class: "fields" });
    const description = el("p", { class: "muted small" });

    function renderFields(values) {
      description.textContent = trainer.description || "";
      const defaults = trainer.defaults || {};
      const saved = values || readSaved(trainer.id);
      inputs = {};
      const byGroup = new Map(GROUPS.map((g) => [g, []]));
      for (const [key, value] of Object.entries(defaults)) {
        if (key === "concept") continue;
        const meta = { ...(FIELDS[key] || { label: key, group: "Other" }), hint: (trainer.help || {})[key] };
        const current = saved && key in saved ? saved[key] : value;
        const control = input(key, value, current, meta);
        inputs[key] = { control, kind: kindOf(value) };
        byGroup.get(meta.group).push(control.wrapper);
      }
      fill(fieldsHost, ...GROUPS.filter((g) => byGroup.get(g).length)
        .map((g) => el("fieldset", {}, el("legend", {}, g), el("div", { class: "field-grid" }, byGroup.get(g)))));
    }

    const form = el("form", { class: "train-form-inner", novalidate: true },
      el("div", { class: "panel-head" },
        el("h2", {}, "Training"),
        picker ? el("label", { class: "inline", for: "trainer-pick" }, "Trainer ", picker) : el("span", { class: "chip" }, trainer.name || trainer.id)),
      description,
      problem,
      fieldsHost,
      formMessage,
      el("div", { class: "form-actions" },
        startButton, cancelButton,
        el("button", { type: "button", class: "btn ghost", title: "Back to the trainer's defaults", onclick: () => {
          localStorage.removeItem(SAVED + trainer.id);
          renderFields(trainer.defaults);
        } }, "Defaults")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      start();
    });
    renderFields();
    fill(formHost, form);
    refresh();
  }

  function collect() {
    const params = {};
    for (const [key, { control, kind }] of Object.entries(inputs)) {
      const raw = control.read();
      if (kind === "number") {
        if (raw === "" || !Number.isFinite(Number(raw))) throw new Error(`${(FIELDS[key] || { label: key }).label} must be a number`);
        params[key] = Number(raw);
      } else if (kind === "array") {
        params[key] = raw.split("\n").map((line) => line.trim()).filter(Boolean);
      } else {
        params[key] = raw;
      }
    }
    return params;
  }

  async function start() {
    formMessage.replaceChildren();
    let params;
    try {
      params = collect();
    } catch (error) {
      fill(formMessage, notice("error", error.message));
      formMessage.scrollIntoView({ block: "nearest", behavior: "smooth" });
      return;
    }
    localStorage.setItem(SAVED + trainer.id, JSON.stringify(params));
    // With one trainer the server's default is meant; with several, say which.
    if (trainerList.length > 1) params.trainer = trainer.id;
    startButton.disabled = true;
    try {
      const job = await api.submitJob("train", { concept: id, ...params });
      shownId = job.id;
      jobs.put(job);
      toast("Training queued", "ok");
    } catch (error) {
      fill(formMessage, failure(error, "Starting the training"));
      formMessage.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
    refresh();
  }

  const myRuns = () => jobs.list((job) => job.type === "train" && conceptOf(job) === id);
  const activeJob = () => myRuns().find(isActive) || null;

  // The run shown: the one picked, else the active one, else the latest.
  function shownJob(runs) {
    return runs.find((job) => job.id === shownId) || runs.find(isActive) || runs[0] || null;
  }

  function refresh() {
    const runs = myRuns();
    const job = shownJob(runs);
    const running = activeJob();
    const concept = conceptById(id);
    startButton.disabled = Boolean(running) || !concept || concept.references.length === 0;
    startButton.title = concept && concept.references.length === 0 ? "Upload reference pictures first" : "";
    cancelButton.hidden = !running;
    cancelButton.disabled = Boolean(running && running.cancelRequested);
    cancelButton.textContent = running && running.cancelRequested ? "Cancelling…" : "Cancel";
    runPicker.hidden = runs.length < 2;
    fill(runPicker, runs.map((run) => el("option", { value: run.id, selected: run === job },
      `${shortTime(run.createdAt)} · β ${run.params && run.params.beta !== undefined ? run.params.beta : "?"} · ${run.state.toLowerCase()}`)));
    renderStatus(job, concept);
    renderLive(job);
  }

  function renderStatus(job, concept) {
    if (!job) {
      fill(status,
        el("div", { class: "run-line" }, el("span", { class: "state idle" }, "No training yet")),
        concept && concept.references.length === 0
          ? notice("info", "Upload reference pictures first, then start a training here. ", el("a", { href: `#/c/${encodeURIComponent(id)}/references` }, "Go to References"))
          : el("p", { class: "muted" }, "Set the parameters and start. Progress, curves and previews appear here live."));
      tiles.replaceChildren();
      return;
    }
    const p = job.progress || {};
    const total = p.totalSteps ?? p.steps ?? (job.params && job.params.steps);
    const fraction = typeof p.step === "number" && total ? Math.min(1, p.step / total) : job.state === "SUCCEEDED" ? 1 : 0;
    fill(status,
      el("div", { class: "run-line" },
        el("span", { class: `state ${job.state.toLowerCase()}`, "data-testid": "train-state" }, job.state.toLowerCase()),
        el("span", {}, typeof p.step === "number" ? `step ${p.step} / ${total ?? "?"}` : ""),
        el("span", { class: "spacer" }),
        job.state === "RUNNING" ? el("span", { class: "muted" }, `ETA ${duration(p.etaSeconds)}`) : null,
        job.state === "SUCCEEDED" ? el("a", { class: "btn small primary", href: `#/c/${encodeURIComponent(id)}/generate` }, "Generate with it →") : null,
        runPicker),
      el("div", { class: `bar big${job.state === "QUEUED" ? " indeterminate" : ""}`, role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": Math.round(fraction * 100) },
        el("span", { style: `width:${job.state === "QUEUED" ? 100 : fraction * 100}%` })),
      job.note ? el("p", { class: "muted small" }, job.note) : null,
      job.error ? notice("error", job.error) : null);
    const ratio = p.embeddingNorm && p.initializerNorm ? p.embeddingNorm / p.initializerNorm : null;
    fill(tiles,
      tile("loss", num(p.loss, 3), "loss"),
      tile("denoise", num(p.denoiseLoss, 3), "denoise"),
      tile("KL", num(p.kl, 3), "kl"),
      tile("KL share", typeof p.klShare === "number" ? `${(100 * p.klShare).toFixed(1)}%` : "–", "kl", null, "β·KL as a share of the loss: 0% is plain textual inversion"),
      tile("‖<S*>‖", num(p.embeddingNorm, 3), "norm", ratio ? `${ratio.toFixed(2)}× initializer` : null, p.vocabMedianNorm ? `initializer word's norm ${num(p.initializerNorm)}, vocabulary median ${num(p.vocabMedianNorm)}` : null),
      tile("lr", num(p.lr, 3)),
      tile("steps/s", num(p.stepsPerSecond, 3)));
  }

  function renderLive(job) {
    if (!job) {
      lossChart.setData([]);
      normChart.setData([]);
      fill(previews, el("p", { class: "muted small" }, "No previews yet."));
      return;
    }
    const log = trainLog(job.id);
    const p = job.progress || {};
    const total = p.totalSteps ?? p.steps ?? (job.params && job.params.steps) ?? null;
    lossChart.setData(log.points, total);
    normChart.setData(log.points, total);
    sparse.hidden = !(log.points.length < 3 && !isActive(job));
    const shown = log.previews.length ? log.previews
      : job.progress && job.progress.preview ? [{ step: job.progress.step, src: job.progress.preview }] : [];
    if (shown.length === 0) {
      fill(previews, el("p", { class: "muted small" }, job.state === "RUNNING" ? "The first preview arrives after “preview every” steps." : "No previews for this run."));
      return;
    }
    const items = shown.map((p) => ({ src: imageSource(p.src), title: `Preview at step ${p.step}` }));
    fill(previews, ...shown.map((p, i) => el("button", { type: "button", class: "preview", onclick: () => openLightbox(items, i), "aria-label": `Preview at step ${p.step}` },
      el("img", { src: items[i].src, alt: "" }),
      el("span", {}, `step ${p.step}`))));
    previews.scrollLeft = previews.scrollWidth;
  }

  loadTrainers();
  const stop = jobs.subscribe((job) => {
    if (!job || (job.type === "train" && conceptOf(job) === id)) refresh();
  });
  return {
    cleanup: () => {
      stop();
      lossChart.dispose();
      normChart.dispose();
    },
    update: refresh,
  };
}

/** "14:05" for today, "Nov 3, 14:05" before. */
function shortTime(iso) {
  const date = new Date(iso);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString([], { month: "short", day: "numeric" })}, ${time}`;
}

function legend(series) {
  return el("span", { class: "legend" }, series.map((s) => el("span", { class: "legend-item" },
    el("span", { class: "swatch" + (s.dash ? " dashed" : ""), style: `--c:${s.color}` }), s.label)));
}

function tile(label, value, kind, sub, title) {
  return el("div", { class: `tile ${kind || ""}`, title },
    el("span", { class: "tile-label" }, label),
    el("span", { class: "tile-value" }, value),
    sub ? el("span", { class: "tile-sub" }, sub) : null);
}

function kindOf(value) {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "string";
}

function readSaved(trainerId) {
  try {
    return JSON.parse(localStorage.getItem(SAVED + trainerId));
  } catch {
    return null;
  }
}

/** One form control for a default value; returns {wrapper, read()}. */
function input(key, defaultValue, value, meta) {
  const id = `train-${key}`;
  const kind = kindOf(defaultValue);
  let control;
  let read;
  if (kind === "boolean") {
    control = el("input", { type: "checkbox", id, checked: value, "data-testid": `train-${key}` });
    read = () => control.checked;
    return {
      wrapper: el("div", { class: "field check" }, el("label", { for: id }, control, meta.label), meta.hint ? el("small", { class: "hint" }, meta.hint) : null),
      read,
    };
  }
  if (meta.options) {
    const options = meta.options.includes(value) ? meta.options : [...meta.options, value];
    control = el("select", { id, "data-testid": `train-${key}` }, options.map((o) => el("option", { value: o, selected: o === value }, o)));
    read = () => control.value;
  } else if (kind === "array") {
    control = el("textarea", { id, rows: Math.min(6, Math.max(3, value.length)), spellcheck: "false", "data-testid": `train-${key}` });
    control.value = value.join("\n");
    read = () => control.value;
  } else {
    const box = el("input", {
      id, type: kind === "number" ? "number" : "text", value: String(value), "data-testid": `train-${key}`,
      min: meta.min, step: kind === "number" ? meta.step || "any" : null, spellcheck: "false",
    });
    read = () => box.value.trim();
    control = key === "seed" ? el("div", { class: "with-button" }, box, randomSeedButton(box)) : box;
  }
  return {
    wrapper: el("div", { class: `field${meta.wide ? " wide" : ""}` }, el("label", { for: id }, meta.label), control, meta.hint ? el("small", { class: "hint" }, meta.hint) : null),
    read,
  };
}
