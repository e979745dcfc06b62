// Generate tab: prompt with a live token counter, settings, the metric to rank by, and the batch as a
// grid in that metric's order. Clicking another metric re-sorts the same batch without regenerating.

import { api } from "../api.js";
import { el, failure, notice, toast, debounce, num, fill, randomSeedButton } from "../dom.js";
import { jobs, isActive, conceptOf } from "../ws.js";
import { conceptById, defaultModel } from "../state.js";
import { openLightbox } from "./lightbox.js";

const MAX_TOKENS = 77;
const SAVED = "conceptrank.generate.";
const FALLBACK = { steps: 50, guidanceScale: 7.5, width: 64, height: 64, batchSize: 4, seed: -1 };

export function mount(panel, id) {
  const concept = () => conceptById(id);
  const saved = readJson(SAVED + id) || {};

  // Prompt box.
  const prompt = el("textarea", { id: "gen-prompt", rows: 3, spellcheck: "false", "data-testid": "prompt", placeholder: `a photo of ${concept().placeholder} in the Acropolis` });
  prompt.value = saved.prompt ?? `a photo of ${concept().placeholder}`;
  const negative = el("textarea", { id: "gen-negative", rows: 2, spellcheck: "false", "data-testid": "negative-prompt", placeholder: "blurry, low quality" });
  negative.value = saved.negativePrompt ?? "";
  const counter = el("span", { class: "token-counter", "data-testid": "token-counter", "aria-live": "polite" }, `–/${MAX_TOKENS}`);
  const promptHint = el("div", { class: "prompt-hint" });
  const insert = el("button", { type: "button", class: "btn small", "data-testid": "insert-placeholder", title: "Insert the placeholder at the cursor" }, `Insert ${concept().placeholder}`);

  // Settings.
  const steps = number("gen-steps", "steps", 1, 1000, 1);
  const guidance = number("gen-guidance", "guidance", 0, 30, 0.5);
  const seed = number("gen-seed", "seed", -1, 2 ** 31 - 1, 1);
  const batch = number("gen-batch", "batch-size", 1, 64, 1);
  const width = number("gen-width", "width", 8, 2048, 8);
  const height = number("gen-height", "height", 8, 2048, 8);
  const metric = el("select", { id: "gen-metric", "data-testid": "metric-picker" }, el("option", { value: "" }, "server default"));
  const metricNote = el("div", {});
  const dice = randomSeedButton(seed);

  const generate = el("button", { type: "submit", class: "btn primary big", "data-testid": "generate" }, "Generate");
  const cancel = el("button", { type: "button", class: "btn danger", "data-testid": "generate-cancel", hidden: true }, "Cancel");
  const progress = el("div", { class: "gen-progress", hidden: true });
  const message = el("div", { class: "form-errors", "data-testid": "generate-message" });

  const form = el("form", { class: "panel composer", novalidate: true },
    el("div", { class: "prompt-field" },
      el("div", { class: "prompt-head" },
        el("label", { for: "gen-prompt" }, "Prompt"),
        insert,
        el("span", { class: "spacer" }),
        counter),
      prompt,
      promptHint),
    el("details", { class: "negative", open: Boolean(negative.value) },
      el("summary", {}, "Negative prompt"),
      negative),
    el("div", { class: "settings" },
      setting("Steps", steps),
      setting("Guidance", guidance),
      setting("Seed", el("div", { class: "with-button" }, seed, dice), "gen-seed", "-1 picks one"),
      setting("Batch", batch),
      setting("Width", width),
      setting("Height", height),
      setting("Rank by", metric)),
    metricNote,
    message,
    el("div", { class: "form-actions" }, generate, cancel, progress));

  const runs = el("select", { id: "gen-runs", "data-testid": "run-picker", "aria-label": "Batch to show" });
  const metricBar = el("div", { class: "metric-bar", role: "toolbar", "aria-label": "Sort by metric" });
  const results = el("div", { class: "results" });
  panel.append(form,
    el("section", { class: "results-section", "aria-labelledby": "results-heading" },
      el("div", { class: "section-head" }, el("h2", { id: "results-heading" }, "Ranked batch"), el("span", { class: "spacer" }), runs),
      metricBar,
      results));

  let sortBy = null;
  let shownJobId = null;

  // Token counter: ask the server's tokenizer, after typing pauses.
  let tokenRequest = 0;
  const countTokens = debounce(async () => {
    const mine = ++tokenRequest;
    try {
      const answer = await api.tokenize(prompt.value);
      if (mine !== tokenRequest) return;
      counter.textContent = `${answer.count}/${MAX_TOKENS}`;
      counter.className = `token-counter${answer.truncated ? " over" : answer.count > MAX_TOKENS - 8 ? " near" : ""}`;
      counter.title = answer.truncated ? "Too long: the text encoder cuts the prompt at 77 tokens" : "Tokens used, start and end included";
      renderHint(answer.truncated);
    } catch {
      counter.textContent = `?/${MAX_TOKENS}`;
      counter.title = "Token count unavailable";
    }
  }, 250);

  function renderHint(truncated) {
    const c = concept();
    const has = prompt.value.includes(c.placeholder);
    fill(promptHint,
      truncated ? notice("warn", "This prompt is longer than 77 tokens: the end is cut off and has no effect.") : null,
      !has && c.embedding ? el("p", { class: "muted small" }, `Tip: put ${c.placeholder} in the prompt to use the learned concept.`) : null,
      has && !c.embedding ? notice("info", `${c.name} is not trained yet, so ${c.placeholder} is read as ordinary text. `, el("a", { href: `#/c/${encodeURIComponent(id)}/train` }, "Train it")) : null);
  }

  prompt.addEventListener("input", () => {
    countTokens();
    save();
  });
  negative.addEventListener("input", save);
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  insert.addEventListener("click", () => {
    const token = concept().placeholder;
    const { selectionStart: a, selectionEnd: b, value } = prompt;
    const before = value.slice(0, a);
    const pad = before && !/\s$/.test(before) ? " " : "";
    prompt.value = `${before}${pad}${token}${value.slice(b)}`;
    prompt.focus();
    prompt.selectionStart = prompt.selectionEnd = a + pad.length + token.length;
    countTokens();
    save();
  });

  function save() {
    localStorage.setItem(SAVED + id, JSON.stringify({
      prompt: prompt.value, negativePrompt: negative.value, steps: steps.value, guidanceScale: guidance.value,
      seed: seed.value, batchSize: batch.value, width: width.value, height: height.value, metric: metric.value,
    }));
  }
  for (const input of [steps, guidance, seed, batch, width, height, metric]) input.addEventListener("change", save);

  async function loadDefaults() {
    const model = await defaultModel();
    const d = { ...FALLBACK, ...((model && model.defaults) || {}) };
    steps.value = saved.steps ?? d.steps;
    guidance.value = saved.guidanceScale ?? d.guidanceScale;
    seed.value = saved.seed ?? d.seed;
    batch.value = saved.batchSize ?? d.batchSize;
    width.value = saved.width ?? d.width;
    height.value = saved.height ?? d.height;
  }

  async function loadMetrics() {
    let metrics = null;
    try {
      metrics = (await api.plugins()).filter((p) => p.kind === "metric" && p.enabled !== false);
    } catch (error) {
      fill(metricNote, failure(error, "The metric list"));
    }
    if (metrics && metrics.length) {
      fill(metric, ...metrics.map((m) => el("option", { value: m.id }, m.name || m.id)));
      if (saved.metric && metrics.some((m) => m.id === saved.metric)) metric.value = saved.metric;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    const c = concept();
    const params = {
      prompt: prompt.value.trim(),
      negativePrompt: negative.value.trim(),
      steps: Number(steps.value),
      guidanceScale: Number(guidance.value),
      // -1 is settled here, so the seed is known whatever the server does with negative ones.
      seed: Number(seed.value) < 0 ? Math.floor(Math.random() * 2 ** 31) : Number(seed.value),
      batchSize: Number(batch.value),
      width: Number(width.value),
      height: Number(height.value),
      concept: c.embedding ? c.id : null,
      metric: metric.value || null,
    };
    if (!params.prompt) {
      fill(message, notice("error", "Write a prompt first."));
      prompt.focus();
      return;
    }
    const bad = Object.entries(params).find(([, v]) => typeof v === "number" && !Number.isFinite(v));
    if (bad) {
      fill(message, notice("error", `${bad[0]} must be a number.`));
      return;
    }
    generate.disabled = true;
    try {
      const job = await api.submitJob("generate", params);
      remember(job.id);
      shownJobId = job.id;
      sortBy = null;
      jobs.put(job);
    } catch (error) {
      fill(message, failure(error, "Generating"));
      generate.disabled = false;
    }
  });

  cancel.addEventListener("click", async () => {
    const job = activeJob();
    if (!job) return;
    cancel.disabled = true;
    try {
      jobs.put(await api.cancelJob(job.id));
    } catch (error) {
      toast(`Cancel failed: ${error.message}`, "error");
    }
  });

  // Jobs of this concept: those naming it, and those started here without it (untrained concept).
  function remember(jobId) {
    const list = readJson(SAVED + id + ".jobs") || [];
    localStorage.setItem(SAVED + id + ".jobs", JSON.stringify([...list, jobId].slice(-50)));
  }
  function myJobs() {
    const started = new Set(readJson(SAVED + id + ".jobs") || []);
    return jobs.list((job) => job.type === "generate" && (conceptOf(job) === id || started.has(job.id)));
  }
  const activeJob = () => myJobs().find(isActive) || null;

  function refresh() {
    const mine = myJobs();
    const running = mine.find(isActive);
    generate.disabled = Boolean(running);
    cancel.hidden = !running;
    cancel.disabled = Boolean(running && running.cancelRequested);
    progress.hidden = !running;
    if (running) {
      const p = running.progress || {};
      const total = p.steps ?? p.totalSteps ?? running.params.steps;
      const fraction = typeof p.step === "number" && total ? Math.min(1, p.step / total) : null;
      fill(progress,
        el("div", { class: `bar${fraction === null ? " indeterminate" : ""}`, role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": fraction === null ? null : Math.round(fraction * 100) },
          el("span", { style: `width:${fraction === null ? 100 : fraction * 100}%` })),
        el("span", { class: "muted small" }, running.state === "QUEUED" ? "queued" : fraction === null ? "starting…" : `step ${p.step} / ${total}`));
    }
    if (!mine.some((job) => job.id === shownJobId)) shownJobId = mine[0] ? mine[0].id : null;
    runs.hidden = mine.length < 2;
    fill(runs, ...mine.map((job) => el("option", { value: job.id, selected: job.id === shownJobId },
      `${new Date(job.createdAt).toLocaleTimeString()} · ${truncate(job.params.prompt, 40)} · ${job.state.toLowerCase()}`)));
    renderResults(mine.find((job) => job.id === shownJobId));
  }

  runs.addEventListener("change", () => {
    shownJobId = runs.value;
    sortBy = null;
    refresh();
  });

  // Progress of other jobs arrives all the time; redraw the grid only when what it shows changed.
  let shownKey = null;

  function renderResults(job) {
    const key = job ? `${job.id}:${job.state}` : "none";
    if (key === shownKey) return;
    shownKey = key;
    if (!job) {
      metricBar.replaceChildren();
      fill(results, el("div", { class: "empty-state" },
        el("p", {}, "No batch yet."),
        el("p", { class: "muted" }, "Write a prompt with the placeholder and press Generate (Ctrl+Enter). The images come back ranked by the chosen metric, with every metric's score under each image.")));
      return;
    }
    if (isActive(job)) {
      metricBar.replaceChildren();
      fill(results, el("div", { class: "grid" }, Array.from({ length: job.params.batchSize || 4 }, () => el("div", { class: "card skeleton", "aria-hidden": "true" }))));
      return;
    }
    if (job.state === "FAILED") {
      metricBar.replaceChildren();
      fill(results, notice("error", el("strong", {}, "Generation failed: "), job.error || "no reason given"));
      return;
    }
    if (job.state === "CANCELLED" || !job.result) {
      metricBar.replaceChildren();
      fill(results, notice("info", job.state === "CANCELLED" ? "This generation was cancelled." : "This job has no images."));
      return;
    }
    renderGrid(job);
  }

  function renderGrid(job) {
    const result = job.result;
    const images = result.images || [];
    const metrics = result.metrics && result.metrics.length
      ? result.metrics
      : [...new Set(images.flatMap((image) => Object.keys(image.scores || {})))].map((m) => ({ id: m, name: m }));
    if (!sortBy || !metrics.some((m) => m.id === sortBy)) sortBy = result.chosenMetric || (metrics[0] && metrics[0].id);
    const order = orderBy(result, images, sortBy);
    const ranks = new Map(metrics.map((m) => [m.id, rankMap(orderBy(result, images, m.id))]));
    const spans = new Map(metrics.map((m) => [m.id, span(images.map((image) => score(image, m.id)))]));

    fill(metricBar,
      el("span", { class: "muted small" }, "Sort by"),
      ...metrics.map((m) => el("button", {
        type: "button", class: "metric-chip", "aria-pressed": String(m.id === sortBy), "data-testid": "sort-metric", "data-metric": m.id,
        title: m.id === result.chosenMetric ? "The metric this batch was ranked by" : "Re-sort this batch",
        onclick: () => {
          sortBy = m.id;
          const before = positions();
          renderGrid(job);
          animateFrom(before);
        },
      }, m.name || m.id, m.id === result.chosenMetric ? el("span", { class: "chosen-dot", "aria-label": "(chosen)" }) : null)));

    const sortName = (metrics.find((m) => m.id === sortBy) || {}).name || sortBy;
    const items = order.map((index, rank) => lightboxItem(images[index], index, metrics, ranks, job, `#${rank + 1} by ${sortName}`));
    fill(results, el("div", { class: "grid", "data-testid": "ranked-grid" }, order.map((index, rank) => {
      const image = images[index];
      return el("article", { class: `card${rank === 0 ? " best" : ""}`, "data-testid": "grid-card", "data-index": index, "data-rank": rank + 1 },
        el("button", { type: "button", class: "card-image", "aria-label": `Image ${index + 1}, rank ${rank + 1}; open full size`, onclick: () => openLightbox(items, rank) },
          el("img", { src: image.url, alt: `Generated image ${index + 1}`, loading: "lazy", onload: pixelate }),
          el("span", { class: "rank", "data-testid": "rank-badge" }, `#${rank + 1}`)),
        el("dl", { class: "scores" }, metrics.map((m) => {
          const value = score(image, m.id);
          const [lo, hi] = spans.get(m.id);
          const share = value === null || hi === lo ? 100 : 8 + ((value - lo) / (hi - lo)) * 92;
          return el("div", { class: `score${m.id === sortBy ? " active" : ""}` },
            el("dt", { title: m.name || m.id }, m.name || m.id),
            el("dd", {}, el("span", { class: "score-value" }, num(value, 3)),
              el("span", { class: "score-rank", title: `rank by ${m.name || m.id}` }, `#${ranks.get(m.id).get(index)}`)),
            el("span", { class: "meter", "aria-hidden": "true" }, el("span", { style: `width:${share}%` })));
        })),
        el("div", { class: "card-foot muted small" }, `seed ${image.seed ?? "?"}`));
    })));
  }

  function positions() {
    const map = new Map();
    for (const card of results.querySelectorAll(".card[data-index]")) map.set(card.dataset.index, card.getBoundingClientRect());
    return map;
  }

  // FLIP: start each card where it was, then let it glide to its new place.
  function animateFrom(before) {
    if (matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    for (const card of results.querySelectorAll(".card[data-index]")) {
      const old = before.get(card.dataset.index);
      if (!old) continue;
      const now = card.getBoundingClientRect();
      const dx = old.left - now.left;
      const dy = old.top - now.top;
      if (!dx && !dy) continue;
      card.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: "none" }], { duration: 320, easing: "cubic-bezier(.2,.7,.2,1)" });
    }
  }

  loadDefaults();
  loadMetrics();
  countTokens();
  renderHint(false);
  refresh();
  const stop = jobs.subscribe((job) => {
    if (!job || job.type === "generate") refresh();
  });
  return {
    cleanup: stop,
    update: () => {
      renderHint(counter.classList.contains("over"));
      refresh();
    },
  };
}

function number(id, testid, min, max, step) {
  return el("input", { id, type: "number", min, max, step, "data-testid": `gen-${testid}`, inputmode: "decimal" });
}

function setting(label, control, forId, hint) {
  const id = forId || control.id;
  return el("div", { class: "field" }, el("label", { for: id }, label), control, hint ? el("small", { class: "hint" }, hint) : null);
}

function score(image, metricId) {
  const value = image.scores ? image.scores[metricId] : undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Indices best first: the server's order for the metric it ranked by, else by score, highest first. */
function orderBy(result, images, metricId) {
  if (metricId === result.chosenMetric && Array.isArray(result.order) && result.order.length === images.length) return result.order;
  return images.map((_, i) => i).sort((a, b) => {
    const x = score(images[a], metricId);
    const y = score(images[b], metricId);
    if (x === null) return y === null ? a - b : 1;
    if (y === null) return -1;
    return y - x || a - b;
  });
}

function rankMap(order) {
  return new Map(order.map((index, rank) => [index, rank + 1]));
}

function span(values) {
  const known = values.filter((v) => v !== null);
  return known.length ? [Math.min(...known), Math.max(...known)] : [0, 0];
}

function pixelate(event) {
  event.target.classList.toggle("pixelated", event.target.naturalWidth <= 256);
}

function parametersText(image, job) {
  if (typeof image.parameters === "string") return image.parameters;
  if (image.parameters && typeof image.parameters === "object") return JSON.stringify(image.parameters, null, 2);
  const p = job.params;
  return `${p.prompt}\nNegative prompt: ${p.negativePrompt || ""}\nSteps: ${p.steps}, CFG scale: ${p.guidanceScale}, Seed: ${image.seed}, Size: ${p.width}x${p.height}`;
}

function lightboxItem(image, index, metrics, ranks, job, rankLabel) {
  return {
    src: image.url,
    title: `${rankLabel} · image ${index + 1} · seed ${image.seed ?? "?"}`,
    download: `conceptrank-${job.id.slice(0, 8)}-${index + 1}.png`,
    text: parametersText(image, job),
    details: el("table", { class: "score-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "Metric"), el("th", {}, "Score"), el("th", {}, "Rank"))),
      el("tbody", {}, metrics.map((m) => el("tr", { class: m.id === job.result.chosenMetric ? "chosen" : "" },
        el("td", {}, m.name || m.id), el("td", {}, num(score(image, m.id))), el("td", {}, `#${ranks.get(m.id).get(index)}`))))),
  };
}

function truncate(text, length) {
  return !text ? "" : text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function readJson(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}
