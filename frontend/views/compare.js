// Compare page: a plain-TI concept beside a KL-TI concept of the same subject. Pick the two (or train
// a plain-TI twin of a concept: same references, initializer and settings, beta 0 and l2 0), run the edit test
// (the same prompts and seeds for both, one row per prompt, each picture with its score) and the
// evaluation protocol (the `evaluate` job) with its report drawn as tables.

import { api } from "../api.js";
import { el, failure, notice, toast, num, fill, randomSeedButton } from "../dom.js";
import { jobs, isActive, conceptOf } from "../ws.js";
import { state, conceptById, onConcepts, putConcept, dropConcept, defaultModel } from "../state.js";
import { openLightbox } from "./lightbox.js";

const SAVED = "conceptrank.compare.";
const TWINS = "conceptrank.compare.twins";
const DEFAULT_EDITS = ["blue", "green", "red", "striped", "dotted"];
const DEFAULT_CONTEXTS = ["on the beach"];
const FALLBACK = { steps: 50, guidanceScale: 7.5, width: 64, height: 64 };
const ROLES = [
  { key: "subject", label: "Subject", hint: "the subject itself, e.g. a reference photo" },
  { key: "lookAlike", label: "Look-alike", hint: "something of the same class that is not the subject" },
  { key: "otherSubject", label: "Other subject", hint: "a different subject" },
  { key: "unrelated", label: "Unrelated", hint: "an object of an unrelated class" },
  { key: "subjectInContext", label: "Subject in context", hint: "the subject in the context below" },
];

/** Prompts of the edit test; {} is each concept's own placeholder. */
export const editPrompt = (edit) => `a photo of a ${edit} {}`;
export const contextPrompt = (context) => `a photo of {} ${context}`;

export function mount(host, first, second) {
  const pair = { plain: null, kl: null };
  placeInitial(pair, first, second);

  const plainSlot = el("div", { class: "panel slot", "data-testid": "slot-plain" });
  const klSlot = el("div", { class: "panel slot", "data-testid": "slot-kl" });
  const swap = el("button", { type: "button", class: "icon-btn", title: "Swap the two", "aria-label": "Swap plain and KL concepts", "data-testid": "compare-swap",
    onclick: () => setPair(pair.kl, pair.plain) }, "⇄");
  const pairMessage = el("div", { class: "form-errors", "data-testid": "pair-message" });

  const editPanel = el("section", { class: "panel", "aria-labelledby": "edit-heading" });
  const protocolPanel = el("section", { class: "panel", "aria-labelledby": "protocol-heading" });

  host.append(
    el("header", { class: "page-head" },
      el("h1", {}, "Compare plain TI and KL-TI"),
      el("p", { class: "muted" }, "Two concepts of one subject: one learned with plain textual inversion (β 0), one with the KL term. "
        + "The edit test asks both for the same edits with the same seeds; the protocol runs the three experiments of the evaluation.")),
    el("div", { class: "pair" }, plainSlot, el("div", { class: "pair-swap" }, swap), klSlot),
    pairMessage,
    editPanel,
    protocolPanel);

  // ---- the pair -------------------------------------------------------------------------------

  function setPair(plain, kl) {
    pair.plain = plain || null;
    pair.kl = kl || null;
    for (const select of Object.values(pickers)) select.value = "";
    editMessage.replaceChildren();
    protocolMessage.replaceChildren();
    history.replaceState(null, "", `#/compare/${encodeURIComponent(pair.plain || "-")}/${encodeURIComponent(pair.kl || "-")}`);
    renderAll();
  }

  function renderSlot(slot, side) {
    const id = pair[side];
    const other = pair[side === "plain" ? "kl" : "plain"];
    const c = conceptById(id);
    const picker = el("select", { "data-testid": `pick-${side}`, "aria-label": side === "plain" ? "Plain-TI concept" : "KL-TI concept",
      onchange: (e) => (side === "plain" ? setPair(e.target.value, pair.kl) : setPair(pair.plain, e.target.value)) },
      el("option", { value: "", selected: !c }, "— choose a concept —"),
      state.concepts.map((x) => el("option", { value: x.id, selected: x.id === id }, `${x.name} (${x.placeholder})`)));
    const training = c ? trainingOf(c.id, trainerDefaults) : null;
    const twin = side === "plain" ? twinPanel() : null;
    fill(slot,
      el("div", { class: "slot-head" },
        el("span", { class: `side-badge ${side}` }, side === "plain" ? "plain TI" : "KL-TI"),
        picker),
      c ? el("div", { class: "slot-body" },
        c.references[0]
          ? el("img", { class: "slot-thumb", src: api.referenceUrl(c.id, c.references[0].file), alt: "" })
          : el("span", { class: "slot-thumb concept-thumb empty", "aria-hidden": "true" }, c.name.slice(0, 1).toUpperCase()),
        el("div", { class: "chips" },
          el("a", { class: "chip accent", href: `#/c/${encodeURIComponent(c.id)}/references`, title: "Open the concept" }, c.placeholder),
          el("span", { class: "chip" }, `init: ${c.initializer}`),
          el("span", { class: "chip" }, `${c.references.length} reference${c.references.length === 1 ? "" : "s"}`),
          c.embedding ? el("span", { class: "chip ok", "data-testid": `${side}-trained` }, "✓ trained") : el("span", { class: "chip bad" }, "not trained"),
          training ? el("span", { class: "chip", title: "The settings of its last training" }, settingsLine(training.params)) : null))
        : el("p", { class: "muted small" }, side === "plain" ? "The concept learned without the KL term (β 0)." : "The concept learned with the KL term."),
      c ? slotWarnings(c, side, training, id === other) : null,
      twin);
  }

  function slotWarnings(c, side, training, same) {
    const running = activeTrain(c.id);
    return el("div", {},
      same ? notice("warn", "Both sides are the same concept: pick two different ones.") : null,
      running ? jobLine(running, "Training") : null,
      !c.embedding && !running ? notice("warn", `${c.name} is not trained yet. `, el("a", { href: `#/c/${encodeURIComponent(c.id)}/train` }, "Train it"), " first.") : null,
      training && side === "plain" && Number(training.params.beta) > 0
        ? notice("info", `Trained with β ${training.params.beta}: not plain TI.`) : null,
      training && side === "kl" && "beta" in training.params && Number(training.params.beta) === 0 && !(Number(training.params.l2) > 0)
        ? notice("info", "Trained with β 0: this is plain TI, not KL-TI.") : null);
  }

  /** Under the plain slot: train a plain-TI twin of the KL concept. */
  function twinPanel() {
    const source = conceptById(pair.kl);
    if (!source) return el("p", { class: "muted small" }, "Or pick a KL-TI concept on the right to train its plain-TI twin here.");
    const twinId = readJson(TWINS) && readJson(TWINS)[source.id];
    const existing = conceptById(twinId);
    if (existing && existing.id === pair.plain) {
      return el("p", { class: "muted small" }, `${existing.name} is ${source.name}'s twin: the same references and initializer, trained with β 0.`, twinMessage);
    }
    const button = el("button", { type: "button", class: "btn small", "data-testid": "train-twin", disabled: twinBusy || source.references.length === 0,
      onclick: () => trainTwin(source) }, `Train a plain-TI twin of ${source.name}`);
    const training = trainingOf(source.id);
    return el("div", { class: "twin" },
      existing && existing.id !== pair.plain
        ? el("p", { class: "small" }, "Its twin: ", el("a", { href: "#", onclick: (e) => { e.preventDefault(); setPair(existing.id, pair.kl); } }, existing.name)) : null,
      el("div", { class: "form-actions" }, button),
      el("small", { class: "hint" }, source.references.length === 0
        ? `${source.name} has no reference pictures to copy.`
        : `A new concept with ${source.name}'s ${source.references.length} reference${source.references.length === 1 ? "" : "s"}, initializer and `
          + (training ? "training settings" : "the trainer's default settings") + ", trained with β 0."),
      twinMessage);
  }

  const twinMessage = el("div", { class: "form-errors", "data-testid": "twin-message" });
  let twinBusy = false;
  // A training job lists only the settings it was given; the trainer's defaults fill in the rest.
  let trainerDefaults = {};
  api.trainers().then((list) => {
    trainerDefaults = (list && list[0] && list[0].defaults) || {};
    renderSlot(plainSlot, "plain");
    renderSlot(klSlot, "kl");
  }).catch(() => {});

  async function trainTwin(source) {
    twinBusy = true;
    twinMessage.replaceChildren();
    renderSlot(plainSlot, "plain");
    let twin = null;
    try {
      const trainers = await api.trainers();
      if (!trainers || trainers.length === 0) throw new Error("the server lists no trainer");
      const earlier = trainingOf(source.id);
      const trainer = (earlier && trainers.find((t) => t.id === earlier.params.trainer)) || trainers[0];
      const params = { ...(earlier ? earlier.params : trainer.defaults) };
      delete params.concept;
      if (!("beta" in (trainer.defaults || {}))) throw new Error(`the trainer ${trainer.name || trainer.id} has no β setting`);
      params.beta = 0;
      // Plain TI is neither regularizer: the L2 pull is on by default, so it is turned off explicitly.
      if ("l2" in (trainer.defaults || {})) params.l2 = 0;
      if (trainers.length > 1) params.trainer = trainer.id;

      twin = await api.createConcept({ name: `${source.name} plain TI`, placeholder: freePlaceholder(source.placeholder),
        initializer: source.initializer, vectors: source.vectors });
      putConcept(twin);
      const files = [];
      for (const ref of source.references) {
        const response = await fetch(api.referenceUrl(source.id, ref.file));
        if (!response.ok) throw new Error(`cannot read ${source.name}'s reference ${ref.file} (${response.status})`);
        files.push(new File([await response.blob()], ref.originalName || ref.file, { type: "image/png" }));
      }
      const upload = await api.uploadReferences(twin.id, files);
      if (upload && upload.rejected) throw new Error(`${upload.rejected} reference(s) were refused: ${upload.files.filter((f) => f.error).map((f) => f.error).join("; ")}`);
      putConcept(await api.concept(twin.id));
      const job = await api.submitJob("train", { concept: twin.id, ...params });
      jobs.put(job);
      localStorage.setItem(TWINS, JSON.stringify({ ...(readJson(TWINS) || {}), [source.id]: twin.id }));
      toast(`Training ${twin.name} (β 0)`, "ok");
      twinBusy = false;
      setPair(twin.id, source.id);
    } catch (error) {
      twinBusy = false;
      // A half-made twin is of no use: take it away again.
      if (twin) {
        try {
          await api.deleteConcept(twin.id);
          dropConcept(twin.id);
        } catch { /* it stays listed; the user can delete it */ }
      }
      renderSlot(plainSlot, "plain");
      fill(twinMessage, failure(error, "Making the twin"));
    }
  }

  function freePlaceholder(token) {
    const base = token.replace(/^<|>$/g, "");
    const taken = new Set(state.concepts.map((c) => c.placeholder.toLowerCase()));
    for (let i = 1; ; i++) {
      const candidate = `<${base}-plain${i === 1 ? "" : i}>`;
      if (!taken.has(candidate.toLowerCase())) return candidate;
    }
  }

  /** What stops a run: both concepts chosen, different and trained. Null when ready. */
  function pairProblem() {
    const plain = conceptById(pair.plain);
    const kl = conceptById(pair.kl);
    if (!plain || !kl) return "Choose both concepts first.";
    if (plain.id === kl.id) return "Pick two different concepts.";
    const untrained = [plain, kl].filter((c) => !c.embedding);
    if (untrained.length) {
      const training = untrained.every((c) => activeTrain(c.id));
      return `${untrained.map((c) => c.name).join(" and ")} ${untrained.length > 1 ? "are" : "is"} ${training ? "still training" : "not trained yet"}.`;
    }
    return null;
  }

  // ---- the edit test --------------------------------------------------------------------------

  const edits = el("textarea", { id: "edit-words", rows: 4, spellcheck: "false", "data-testid": "edit-words" });
  const contexts = el("textarea", { id: "edit-contexts", rows: 2, spellcheck: "false", "data-testid": "edit-contexts" });
  const baseline = el("input", { type: "checkbox", id: "edit-baseline", "data-testid": "edit-baseline", checked: true });
  const pictures = numberInput("edit-pictures", 1, 16, 1);
  const seed = numberInput("edit-seed", 0, 2 ** 31 - 1, 1);
  const steps = numberInput("edit-steps", 1, 1000, 1);
  const guidance = numberInput("edit-guidance", 0, 30, 0.5);
  const width = numberInput("edit-width", 8, 2048, 8);
  const height = numberInput("edit-height", 8, 2048, 8);
  const runEdit = el("button", { type: "submit", class: "btn primary", "data-testid": "run-edit-test" }, "Run edit test");
  const cancelEdit = el("button", { type: "button", class: "btn danger", "data-testid": "cancel-edit-test", hidden: true }, "Cancel");
  const editProgress = el("div", { class: "gen-progress", hidden: true });
  const editMessage = el("div", { class: "form-errors", "data-testid": "edit-message" });
  const metricBar = el("div", { class: "metric-bar", role: "toolbar", "aria-label": "Score shown" });
  const editResults = el("div", { class: "edit-results", "data-testid": "edit-results" });
  let shownMetric = null;

  const editForm = el("form", { novalidate: true },
    el("div", { class: "edit-fields" },
      el("div", { class: "field" }, el("label", { for: "edit-words" }, "Edits, one per line"), edits,
        el("small", { class: "hint" }, "Each becomes “a photo of a {edit} <placeholder>”: colours, patterns, materials.")),
      el("div", { class: "field" }, el("label", { for: "edit-contexts" }, "Contexts, one per line"), contexts,
        el("small", { class: "hint" }, "Each becomes “a photo of <placeholder> {context}”."),
        el("label", { class: "inline small", for: "edit-baseline" }, baseline, " also the unedited “a photo of <placeholder>”"))),
    el("div", { class: "settings edit-settings" },
      setting("Pictures", pictures, "per prompt and concept"),
      setting("Seed", el("div", { class: "with-button" }, seed, randomSeedButton(seed)), "picture i uses seed + i", "edit-seed"),
      setting("Steps", steps),
      setting("Guidance", guidance),
      setting("Width", width),
      setting("Height", height)),
    editMessage,
    el("div", { class: "form-actions" }, runEdit, cancelEdit, editProgress));
  editForm.addEventListener("submit", (event) => {
    event.preventDefault();
    startEditTest();
  });
  cancelEdit.addEventListener("click", async () => {
    cancelEdit.disabled = true;
    for (const job of editJobs().filter(isActive)) {
      try {
        jobs.put(await api.cancelJob(job.id));
      } catch (error) {
        toast(`Cancel failed: ${error.message}`, "error");
      }
    }
    cancelEdit.disabled = false;
  });

  editPanel.append(
    el("div", { class: "panel-head" }, el("h2", { id: "edit-heading" }, "Edit test"),
      el("p", { class: "muted small" }, "Does the learned word still take edits? Both concepts get the same prompts with the same seeds, so each column is a pair.")),
    editForm,
    el("div", { class: "section-head" }, el("h3", {}, "Results"), el("span", { class: "spacer" }), metricBar),
    editResults);

  const key = () => `${SAVED}${pair.plain}|${pair.kl}`;
  const record = () => readJson(key()) || {};
  const saveRecord = (value) => localStorage.setItem(key(), JSON.stringify({ ...record(), ...value }));

  function loadEditForm() {
    const saved = readJson(`${SAVED}form`) || {};
    edits.value = saved.edits ?? DEFAULT_EDITS.join("\n");
    contexts.value = saved.contexts ?? DEFAULT_CONTEXTS.join("\n");
    baseline.checked = saved.baseline ?? true;
    pictures.value = saved.pictures ?? 2;
    seed.value = saved.seed ?? 1234;
    defaultModel().then((model) => {
      const d = { ...FALLBACK, ...((model && model.defaults) || {}) };
      steps.value = saved.steps ?? d.steps;
      guidance.value = saved.guidanceScale ?? d.guidanceScale;
      width.value = saved.width ?? d.width;
      height.value = saved.height ?? d.height;
    });
  }

  function lines(text) {
    return [...new Set(text.split("\n").map((line) => line.trim()).filter(Boolean))];
  }

  async function startEditTest() {
    editMessage.replaceChildren();
    const problem = pairProblem();
    if (problem) {
      fill(editMessage, notice("error", problem));
      return;
    }
    const rows = [
      ...(baseline.checked ? [{ kind: "unedited", word: "", template: "a photo of {}" }] : []),
      ...lines(edits.value).map((word) => ({ kind: "edit", word, template: editPrompt(word) })),
      ...lines(contexts.value).map((word) => ({ kind: "context", word, template: contextPrompt(word) })),
    ];
    if (rows.length === 0) {
      fill(editMessage, notice("error", "Give at least one edit or context (or tick the unedited prompt)."));
      return;
    }
    const settings = { batchSize: Number(pictures.value), seed: Number(seed.value), steps: Number(steps.value),
      guidanceScale: Number(guidance.value), width: Number(width.value), height: Number(height.value) };
    const bad = Object.entries(settings).find(([, v]) => !Number.isFinite(v) || v < 0);
    if (bad) {
      fill(editMessage, notice("error", `${bad[0]} must be a number of at least 0.`));
      return;
    }
    localStorage.setItem(`${SAVED}form`, JSON.stringify({ edits: edits.value, contexts: contexts.value, baseline: baseline.checked,
      pictures: pictures.value, seed: seed.value, steps: steps.value, guidanceScale: guidance.value, width: width.value, height: height.value }));
    runEdit.disabled = true;
    const plain = conceptById(pair.plain);
    const kl = conceptById(pair.kl);
    const submitted = [];
    try {
      for (const row of rows) {
        const entry = { ...row };
        for (const [side, c] of [["plain", plain], ["kl", kl]]) {
          const job = await api.submitJob("generate", { ...settings, prompt: row.template.replace("{}", c.placeholder),
            negativePrompt: "", concept: c.id, metric: null });
          jobs.put(job);
          entry[side] = job.id;
        }
        submitted.push(entry);
      }
    } catch (error) {
      fill(editMessage, failure(error, "Submitting the edit test"));
    }
    if (submitted.length) saveRecord({ edit: { settings, rows: submitted, at: new Date().toISOString() } });
    shownEditKey = null;
    renderEdit();
  }

  function editJobs() {
    const run = record().edit;
    if (!run) return [];
    return run.rows.flatMap((row) => [row.plain, row.kl]).map((id) => jobs.jobs.get(id)).filter(Boolean);
  }

  let shownEditKey = null;

  function renderEdit() {
    const run = record().edit;
    const list = editJobs();
    const active = list.filter(isActive);
    runEdit.disabled = active.length > 0;
    cancelEdit.hidden = active.length === 0;
    editProgress.hidden = active.length === 0;
    if (active.length) {
      const total = run.rows.length * 2;
      const done = total - active.length;
      const current = active.find((j) => j.state === "RUNNING");
      const p = (current && current.progress) || {};
      const within = typeof p.step === "number" && (p.steps || p.totalSteps) ? p.step / (p.steps || p.totalSteps) : 0;
      fill(editProgress,
        el("div", { class: "bar", role: "progressbar" }, el("span", { style: `width:${((done + within) / total) * 100}%` })),
        el("span", { class: "muted small", "data-testid": "edit-progress" }, `${done} of ${total} batches`));
    }
    const stateKey = run ? `${run.at}:${list.map((j) => j.state).join(",")}:${shownMetric}:${pair.plain}|${pair.kl}` : `none:${pair.plain}|${pair.kl}`;
    if (stateKey === shownEditKey) return;
    shownEditKey = stateKey;
    if (!run) {
      metricBar.replaceChildren();
      fill(editResults, el("div", { class: "empty-state" },
        el("p", {}, "No edit test for this pair yet."),
        el("p", { class: "muted" }, "Run one: a row per prompt, the plain-TI pictures on the left and the KL-TI ones on the right, each scored.")));
      return;
    }
    renderEditGrid(run);
  }

  function renderEditGrid(run) {
    const plain = conceptById(pair.plain);
    const kl = conceptById(pair.kl);
    const n = run.settings.batchSize;
    const finished = run.rows.flatMap((row) => [row.plain, row.kl]).map((id) => jobs.jobs.get(id)).filter((j) => j && j.result);
    const metrics = [];
    for (const job of finished) {
      for (const m of job.result.metrics || []) if (!metrics.some((x) => x.id === m.id)) metrics.push(m);
    }
    const chosen = finished.length ? finished[0].result.chosenMetric : null;
    if (!shownMetric || !metrics.some((m) => m.id === shownMetric)) shownMetric = chosen || (metrics[0] && metrics[0].id) || null;
    fill(metricBar, metrics.length > 1 ? [el("span", { class: "muted small" }, "Score"), ...metrics.map((m) => el("button", {
      type: "button", class: "metric-chip", "aria-pressed": String(m.id === shownMetric), "data-testid": "edit-metric", "data-metric": m.id,
      onclick: () => { shownMetric = m.id; renderEdit(); },
    }, m.name || m.id))] : null);

    const seeds = Array.from({ length: n }, (_, i) => run.settings.seed + i);
    const means = { plain: [], kl: [] };
    const head = el("div", { class: "edit-row edit-head" },
      el("div", { class: "edit-prompt" }, el("span", { class: "muted small" }, `${n} picture${n === 1 ? "" : "s"} per prompt, seeds ${seeds[0]}–${seeds[n - 1]}`)),
      ...["plain", "kl"].map((side) => {
        const c = side === "plain" ? plain : kl;
        return el("div", { class: `edit-side ${side}` },
          el("div", { class: "edit-side-title" }, el("span", { class: `side-badge ${side}` }, side === "plain" ? "plain TI" : "KL-TI"), " ", c ? c.name : "(deleted)"),
          el("div", { class: "edit-cells" }, seeds.map((s) => el("span", { class: "seed-label" }, `seed ${s}`))));
      }));
    const rows = run.rows.map((row) => {
      const cells = ["plain", "kl"].map((side) => {
        const job = jobs.jobs.get(row[side]);
        const c = side === "plain" ? plain : kl;
        return el("div", { class: `edit-side ${side}`, "data-testid": `edit-${side}` }, sideCells(job, n, side, row, c, means));
      });
      const label = row.kind === "unedited" ? "unedited" : row.kind === "edit" ? `edit: ${row.word}` : `context: ${row.word}`;
      return el("div", { class: "edit-row", "data-testid": "edit-row", "data-kind": row.kind, "data-word": row.word },
        el("div", { class: "edit-prompt" },
          el("span", { class: `chip ${row.kind === "edit" ? "accent" : ""}` }, label),
          el("code", { class: "small" }, row.template.replace("{}", "<S*>")),
          rowSummary(row)),
        ...cells);
    });
    const mean = (values) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);
    const metricName = (metrics.find((m) => m.id === shownMetric) || {}).name || shownMetric;
    fill(editResults,
      el("div", { class: "edit-grid", "data-testid": "edit-grid" }, head, ...rows),
      shownMetric ? el("p", { class: "muted small", "data-testid": "edit-summary" },
        `Mean ${metricName} over the finished pictures: plain TI ${num(mean(means.plain), 3)}, KL-TI ${num(mean(means.kl), 3)}. `
        + "The score judges subject and prompt together; look at the pictures too: does the edit show, and is it still the subject?") : null);
  }

  function rowSummary(row) {
    const values = ["plain", "kl"].map((side) => {
      const job = jobs.jobs.get(row[side]);
      const scores = job && job.result ? (job.result.images || []).map((image) => score(image, shownMetric)).filter((v) => v !== null) : [];
      return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    });
    if (values.some((v) => v === null)) return null;
    const better = num(values[0], 3) === num(values[1], 3) ? null : values[0] > values[1] ? "plain TI" : "KL-TI";
    return el("span", { class: "muted small" }, `mean ${num(values[0], 3)} vs ${num(values[1], 3)}`, better ? el("br") : null, better ? `higher: ${better}` : null);
  }

  function sideCells(job, n, side, row, c, means) {
    if (!job) return notice("warn", "This job is no longer on the server.");
    if (isActive(job)) return el("div", { class: "edit-cells" }, Array.from({ length: n }, () => el("div", { class: "edit-cell skeleton", "aria-hidden": "true" })));
    if (job.state === "FAILED") return notice("error", el("strong", {}, "Generation failed: "), job.error || "no reason given");
    if (job.state === "CANCELLED" || !job.result) return notice("info", job.state === "CANCELLED" ? "Cancelled." : "No pictures.");
    const images = job.result.images || [];
    const items = images.map((image, i) => ({
      src: image.url,
      title: `${side === "plain" ? "plain TI" : "KL-TI"} · ${job.params.prompt} · seed ${image.seed ?? "?"}`,
      download: `conceptrank-${side}-${(row.word || "unedited").replace(/\W+/g, "-")}-${i + 1}.png`,
      text: typeof image.parameters === "string" ? image.parameters : job.params.prompt,
      details: el("table", { class: "score-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "Metric"), el("th", {}, "Score"))),
        el("tbody", {}, Object.entries(image.scores || {}).map(([m, v]) => el("tr", { class: m === shownMetric ? "chosen" : "" }, el("td", {}, m), el("td", {}, num(v)))))),
    }));
    return el("div", { class: "edit-cells" }, images.map((image, i) => {
      const value = score(image, shownMetric);
      if (value !== null) means[side].push(value);
      return el("figure", { class: "edit-cell", "data-testid": "edit-picture", "data-seed": image.seed },
        el("button", { type: "button", class: "card-image", "aria-label": `${c ? c.name : side}, seed ${image.seed}; open full size`, onclick: () => openLightbox(items, i) },
          el("img", { src: image.url, alt: `${side} ${row.word || "unedited"} seed ${image.seed}`, loading: "lazy", onload: pixelate })),
        el("figcaption", { class: "edit-score", "data-testid": "edit-score", title: shownMetric || "" }, value === null ? "–" : num(value, 3)));
    }), job.result.rankingError ? el("small", { class: "hint" }, job.result.rankingError) : null);
  }

  // ---- the protocol ---------------------------------------------------------------------------

  const description = el("input", { id: "protocol-description", type: "text", "data-testid": "protocol-description" });
  const context = el("input", { id: "protocol-context", type: "text", "data-testid": "protocol-context" });
  const template = el("input", { id: "protocol-template", type: "text", "data-testid": "protocol-template", value: "a photo of {}" });
  const pickers = Object.fromEntries(ROLES.map((role) => [role.key, el("select", { id: `role-${role.key}`, "data-testid": `role-${role.key}` })]));
  const previews = Object.fromEntries(ROLES.map((role) => [role.key, el("span", { class: "role-thumb" })]));
  const runProtocol = el("button", { type: "submit", class: "btn primary", "data-testid": "run-protocol" }, "Run protocol");
  const protocolStatus = el("div", { class: "gen-progress", hidden: true });
  const protocolMessage = el("div", { class: "form-errors", "data-testid": "protocol-message" });
  const report = el("div", { class: "report", "data-testid": "protocol-report" });
  for (const role of ROLES) pickers[role.key].addEventListener("change", () => showPreview(role.key));

  const protocolForm = el("form", { novalidate: true },
    el("div", { class: "protocol-prompts" },
      el("div", { class: "field" }, el("label", { for: "protocol-description" }, "Description in plain words"), description,
        el("small", { class: "hint" }, "Experiment 2: does the learned word describe the subject better than these words?")),
      el("div", { class: "field" }, el("label", { for: "protocol-context" }, "Context"), context,
        el("small", { class: "hint" }, "Experiment 3: appended to the subject prompt.")),
      el("div", { class: "field" }, el("label", { for: "protocol-template" }, "Subject prompt"), template,
        el("small", { class: "hint" }, "{} is where each concept's placeholder goes."))),
    el("div", { class: "roles" }, ROLES.map((role) => el("div", { class: "field role" },
      el("label", { for: `role-${role.key}` }, role.label),
      el("div", { class: "role-pick" }, previews[role.key], pickers[role.key]),
      el("small", { class: "hint" }, role.hint)))),
    protocolMessage,
    el("div", { class: "form-actions" }, runProtocol, protocolStatus));
  protocolForm.addEventListener("submit", (event) => {
    event.preventDefault();
    startProtocol();
  });

  protocolPanel.append(
    el("div", { class: "panel-head" }, el("h2", { id: "protocol-heading" }, "Evaluation protocol"),
      el("p", { class: "muted small" }, "The three experiments, scored by CLIP for both concepts: (1) the word picks out its subject, "
        + "(2) it describes it better than plain words, (3) it keeps the context. Pick the five pictures from the references and the edit test's pictures.")),
    protocolForm,
    report);

  let candidates = [];

  function buildCandidates() {
    const list = [];
    const seen = new Set();
    const add = (group, url, label) => {
      if (seen.has(url)) return;
      seen.add(url);
      list.push({ group, url, label });
    };
    const ordered = [conceptById(pair.kl), conceptById(pair.plain), ...state.concepts].filter(Boolean);
    for (const c of ordered) {
      for (const ref of c.references) add(`References of ${c.name}`, api.referenceUrl(c.id, ref.file), `${c.name} · ${ref.originalName || ref.file}`);
    }
    const run = record().edit;
    if (run) {
      for (const row of run.rows) {
        for (const side of ["plain", "kl"]) {
          const job = jobs.jobs.get(row[side]);
          if (!job || !job.result) continue;
          for (const image of job.result.images || []) {
            add("Edit test pictures", image.url, `${side === "plain" ? "plain TI" : "KL-TI"} · ${row.word || "unedited"} · seed ${image.seed}`);
          }
        }
      }
    }
    return list;
  }

  /** Sensible starting picks; the user changes them. Only other concepts' references stand in for other subjects. */
  function defaultPicks() {
    const kl = conceptById(pair.kl) || conceptById(pair.plain);
    const mine = new Set([pair.kl, pair.plain]);
    const own = candidates.filter((x) => kl && x.url.startsWith(`/api/concepts/${encodeURIComponent(kl.id)}/`));
    const others = state.concepts.filter((c) => !mine.has(c.id) && c.references.length);
    const sameClass = others.find((c) => kl && c.initializer === kl.initializer);
    const otherClass = others.filter((c) => !kl || c.initializer !== kl.initializer);
    const refOf = (c) => (c ? api.referenceUrl(c.id, c.references[0].file) : "");
    const run = record().edit;
    const contextRow = run && run.rows.find((row) => row.kind === "context");
    const contextJob = contextRow && jobs.jobs.get(contextRow.kl);
    const inContext = contextJob && contextJob.result && contextJob.result.images && contextJob.result.images[0];
    return {
      subject: own[0] ? own[0].url : "",
      lookAlike: refOf(sameClass),
      otherSubject: refOf(otherClass[0] || others.find((c) => c !== sameClass)),
      unrelated: refOf(otherClass[1]),
      subjectInContext: inContext ? inContext.url : "",
    };
  }

  function renderPickers() {
    candidates = buildCandidates();
    const saved = record().picks || {};
    const defaults = defaultPicks();
    for (const role of ROLES) {
      const select = pickers[role.key];
      const current = select.value || saved[role.key] || defaults[role.key] || "";
      const groups = [...new Set(candidates.map((x) => x.group))];
      fill(select,
        el("option", { value: "" }, "— choose a picture —"),
        groups.map((g) => el("optgroup", { label: g }, candidates.filter((x) => x.group === g)
          .map((x) => el("option", { value: x.url, selected: x.url === current }, x.label)))));
      showPreview(role.key);
    }
    if (!context.value) context.value = (lines(contexts.value)[0] || DEFAULT_CONTEXTS[0]);
    const kl = conceptById(pair.kl) || conceptById(pair.plain);
    if (!description.value && kl) description.value = `a photo of a ${kl.initializer}`;
  }

  function showPreview(roleKey) {
    const url = pickers[roleKey].value;
    fill(previews[roleKey], url ? el("img", { src: url, alt: "", onload: pixelate }) : el("span", { class: "role-empty", "aria-hidden": "true" }, "?"));
  }

  async function startProtocol() {
    protocolMessage.replaceChildren();
    const problem = pairProblem();
    if (problem) {
      fill(protocolMessage, notice("error", problem));
      return;
    }
    const images = Object.fromEntries(ROLES.map((role) => [role.key, pickers[role.key].value]));
    const missing = ROLES.filter((role) => !images[role.key]);
    if (missing.length) {
      fill(protocolMessage, notice("error", `Choose a picture for ${missing.map((r) => r.label.toLowerCase()).join(", ")}.`,
        candidates.length === 0 ? " Neither concept has reference pictures or edit-test pictures yet." : ""));
      return;
    }
    if (!description.value.trim() || !context.value.trim()) {
      fill(protocolMessage, notice("error", "Give the description and the context."));
      return;
    }
    if (!template.value.includes("{}")) {
      fill(protocolMessage, notice("error", "The subject prompt needs {} where the placeholder goes."));
      return;
    }
    const used = Object.values(images);
    const repeated = used.length !== new Set(used).size;
    runProtocol.disabled = true;
    try {
      const job = await api.submitJob("evaluate", { plain: pair.plain, kl: pair.kl, name: conceptById(pair.kl).name,
        description: description.value.trim(), context: context.value.trim(), template: template.value.trim(), images });
      jobs.put(job);
      saveRecord({ evaluate: job.id, picks: images });
      if (repeated) toast("The same picture fills two roles; the experiments compare them with each other.", "info");
    } catch (error) {
      fill(protocolMessage, failure(error, "Starting the protocol"));
    }
    shownReportKey = null;
    renderProtocol();
  }

  let shownReportKey = null;

  function renderProtocol() {
    const id = record().evaluate;
    const job = id ? jobs.jobs.get(id) : null;
    runProtocol.disabled = Boolean(job && isActive(job));
    protocolStatus.hidden = !(job && isActive(job));
    if (job && isActive(job)) fill(protocolStatus, el("div", { class: "bar indeterminate" }, el("span", {})), el("span", { class: "muted small" }, job.state === "QUEUED" ? "queued" : "running"));
    const reportKey = job ? `${job.id}:${job.state}` : `none:${id || ""}`;
    if (reportKey === shownReportKey) return;
    shownReportKey = reportKey;
    if (!job) {
      fill(report, id ? notice("warn", "The last protocol run is no longer on the server.") : null);
      return;
    }
    if (isActive(job)) {
      fill(report, el("p", { class: "muted" }, "Scoring…"));
      return;
    }
    if (job.state === "FAILED") {
      fill(report, notice("error", el("strong", {}, "The protocol failed: "), job.error || "no reason given"));
      return;
    }
    if (job.state === "CANCELLED" || !job.result) {
      fill(report, notice("info", "This protocol run was cancelled."));
      return;
    }
    fill(report, renderReport(job.result, job.params.images || {}));
  }

  function renderAll() {
    renderSlot(plainSlot, "plain");
    renderSlot(klSlot, "kl");
    const problem = pairProblem();
    fill(pairMessage, problem && pair.plain && pair.kl ? notice("warn", problem) : null);
    renderEdit();
    renderPickers();
    renderProtocol();
  }

  // Job events arrive all the time (progress of any job); redraw what depends on them.
  let lastSlotKey = null;
  function onJob() {
    const slotKey = jobs.list((j) => j.type === "train" && (conceptOf(j) === pair.plain || conceptOf(j) === pair.kl))
      .map((j) => `${j.id}:${j.state}:${j.progress && j.progress.step}`).join(",");
    if (slotKey !== lastSlotKey) {
      lastSlotKey = slotKey;
      renderSlot(plainSlot, "plain");
      renderSlot(klSlot, "kl");
    }
    const before = candidates.length;
    renderEdit();
    if (buildCandidates().length !== before) renderPickers();
    renderProtocol();
  }

  loadEditForm();
  if (pair.plain || pair.kl) history.replaceState(null, "", `#/compare/${encodeURIComponent(pair.plain || "-")}/${encodeURIComponent(pair.kl || "-")}`);
  renderAll();
  const stopJobs = jobs.subscribe(onJob);
  const stopConcepts = onConcepts(() => {
    lastSlotKey = null;
    renderAll();
  });
  return {
    title: "Compare",
    cleanup: () => {
      stopJobs();
      stopConcepts();
    },
  };
}

/**
 * The two concepts from the address: "#/compare/<plain>/<kl>" as given; a single concept goes to the
 * plain side if its last training had beta 0, else to the KL side, with its remembered twin opposite.
 */
function placeInitial(pair, first, second) {
  const known = (id) => (id && id !== "-" && conceptById(id) ? id : null);
  if (second !== undefined && second !== null) {
    pair.plain = known(first);
    pair.kl = known(second);
    return;
  }
  const only = known(first);
  if (!only) return;
  const twins = readJson(TWINS) || {};
  const sourceOf = Object.keys(twins).find((source) => twins[source] === only);
  const training = trainingOf(only);
  // Only a training that was given beta 0 is known to be plain TI (the trainer's default may be other).
  if (sourceOf || (training && "beta" in training.params && Number(training.params.beta) === 0)) {
    pair.plain = only;
    pair.kl = known(sourceOf);
  } else {
    pair.kl = only;
    pair.plain = known(twins[only]);
  }
}

/** The concept's last successful training job, if this server still lists it; with defaults, its params filled in. */
function trainingOf(id, defaults) {
  const job = jobs.list((j) => j.type === "train" && conceptOf(j) === id && j.state === "SUCCEEDED")[0] || null;
  if (!job || !defaults) return job;
  const params = { ...defaults, ...job.params };
  delete params.concept;
  return { ...job, params };
}

function activeTrain(id) {
  return jobs.list((j) => j.type === "train" && conceptOf(j) === id && isActive(j))[0] || null;
}

function jobLine(job, what) {
  const p = job.progress || {};
  const total = p.totalSteps ?? p.steps ?? job.params.steps;
  const fraction = typeof p.step === "number" && total ? Math.min(1, p.step / total) : null;
  return el("div", { class: "slot-job", "data-testid": "slot-job" },
    el("div", { class: `bar${fraction === null ? " indeterminate" : ""}` }, el("span", { style: `width:${fraction === null ? 100 : fraction * 100}%` })),
    el("span", { class: "muted small" }, job.state === "QUEUED" ? `${what} queued` : fraction === null ? `${what}…` : `${what}: step ${p.step} / ${total}`));
}

function settingsLine(params) {
  const parts = [`β ${params.beta ?? "?"}`];
  if (params.weighting) parts.push(params.weighting);
  if (Number(params.l2) > 0) parts.push(`L2 ${params.l2}`);
  if (params.steps) parts.push(`${params.steps} steps`);
  return parts.join(" · ");
}

// ---- the report as tables ------------------------------------------------------------------------

const IMAGE_ROLE = { subject: "subject", "look-alike": "lookAlike", "other subject": "otherSubject", "unrelated object": "unrelated", "subject in context": "subjectInContext" };

export function renderReport(result, urls) {
  const variants = result.variants || [];
  if (variants.length !== 2) return notice("error", "The report has an unexpected shape: ", el("code", {}, JSON.stringify(result).slice(0, 200)));
  const [plain, kl] = variants;
  const verdict = result.claimHolds;
  return el("div", { class: "report-body" },
    el("div", { class: "report-head" },
      el("h3", {}, `Report: ${result.subject}`),
      el("span", { class: `chip ${verdict ? "ok" : "bad"}`, "data-testid": "claim-verdict" }, verdict ? "claim supported" : "claim not supported")),
    el("p", { class: "muted small" }, `${result.claim || "KL-TI keeps experiment 3 while plain TI loses it"}. Prompts: `,
      el("code", {}, (result.prompts && result.prompts.template) || ""), " · description ", el("code", {}, (result.prompts && result.prompts.description) || ""),
      " · context ", el("code", {}, (result.prompts && result.prompts.context) || "")),
    el("table", { class: "report-table summary", "data-testid": "report-summary" },
      el("thead", {}, el("tr", {}, el("th", {}, "Experiment"), el("th", {}, `${plain.label}: ${plain.concept}`), el("th", {}, `${kl.label}: ${kl.concept}`))),
      el("tbody", {},
        (plain.experiments || []).map((e) => {
          const k = (kl.experiments || []).find((x) => x.number === e.number) || { checks: [] };
          return el("tr", {}, el("td", {}, `${e.number}. ${e.title}`), el("td", {}, holdsChip(e)), el("td", {}, holdsChip(k)));
        }),
        el("tr", {}, el("td", {}, "Learned vector norm (mean)"), el("td", { class: "num" }, num(plain.vectorNorm)), el("td", { class: "num" }, num(kl.vectorNorm))))),
    el("div", { class: "two-col report-variants" }, [plain, kl].map((v) => el("div", { class: "report-variant", "data-testid": "report-variant" },
      el("h3", {}, `${v.label}: ${v.concept} `, el("code", { class: "small" }, v.placeholder)),
      (v.experiments || []).map((e) => el("div", { class: "experiment", "data-testid": "report-experiment" },
        el("h4", {}, `${e.number}. ${e.title} `, holdsChip(e)),
        el("p", { class: "muted small" }, `Expected: ${e.expected}.`),
        el("table", { class: "report-table" },
          el("thead", {}, el("tr", {}, el("th", {}, "image \\ prompt"), (e.prompts || []).map((p) => el("th", { class: "num" }, el("code", {}, p))))),
          el("tbody", {}, (e.images || []).map((image, i) => el("tr", {},
            el("th", { scope: "row" }, el("span", { class: "report-image" },
              urls[IMAGE_ROLE[image]] ? el("img", { src: urls[IMAGE_ROLE[image]], alt: "", onload: pixelate }) : null, image)),
            ((e.cosines || [])[i] || []).map((c) => el("td", { class: "num" }, num(c))))))),
        el("ul", { class: "checks" }, (e.checks || []).map((c) => el("li", { class: c.holds ? "ok" : "bad" },
          el("span", { class: "check-mark", "aria-hidden": "true" }, c.holds ? "✓" : "✗"),
          `${c.expectation} `, el("span", { class: "muted" }, `(${num(c.higher)} ${c.holds ? ">" : "≤"} ${num(c.lower)})`))))))))));
}

function holdsChip(e) {
  const checks = e.checks || [];
  const held = checks.filter((c) => c.holds).length;
  const holds = e.holds ?? (held === checks.length);
  return el("span", { class: `chip ${holds ? "ok" : "bad"}` }, `${holds ? "holds" : "fails"} (${held} of ${checks.length})`);
}

function score(image, metricId) {
  const value = image.scores && metricId ? image.scores[metricId] : undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function numberInput(id, min, max, step) {
  return el("input", { id, type: "number", min, max, step, inputmode: "decimal", "data-testid": id });
}

function setting(label, control, hint, forId) {
  return el("div", { class: "field" }, el("label", { for: forId || control.id }, label), control, hint ? el("small", { class: "hint" }, hint) : null);
}

function pixelate(event) {
  event.target.classList.toggle("pixelated", event.target.naturalWidth <= 256);
}

function readJson(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}
