// The curve of every training this browser watches. The WebSocket sends only the latest progress, so
// points are collected here from the moment the page opens (whatever view is showing) and kept in
// localStorage, so the chart survives a reload; the steps before that (a page opened late, another
// browser) come once from the server's history of the job. Previews are kept in memory only.

import { api } from "./api.js";
import { jobs } from "./ws.js";

const KEY = "conceptrank.trainlog.";
const MAX_POINTS = 4000;
const MAX_PREVIEWS = 24;
const FIELDS = ["loss", "denoiseLoss", "kl", "embeddingNorm", "initializerNorm", "vocabMedianNorm", "klShare", "lr"];

const logs = new Map();

function load(jobId) {
  if (!logs.has(jobId)) {
    let points = [];
    try {
      points = JSON.parse(localStorage.getItem(KEY + jobId)) || [];
    } catch {
      points = [];
    }
    logs.set(jobId, { points, previews: [], lastPreview: null, saveTimer: null });
    fetchHistory(jobId);
  }
  return logs.get(jobId);
}

// Adds the server's points from before this browser's first one, then redraws whoever shows the job.
async function fetchHistory(jobId) {
  let history;
  try {
    history = await api.jobHistory(jobId);
  } catch {
    return; // an older server, or the job is gone: the local points stand
  }
  const log = logs.get(jobId);
  const first = log.points.length ? log.points[0].step : Infinity;
  const earlier = (history.points || []).filter((p) => typeof p.step === "number" && p.step < first)
    .map((p) => {
      const point = { step: p.step };
      for (const field of FIELDS) if (typeof p[field] === "number") point[field] = p[field];
      return point;
    });
  if (earlier.length === 0) return;
  log.points = earlier.concat(log.points);
  save(jobId, log);
  const job = jobs.jobs.get(jobId);
  if (job) jobs.emit(job, "history");
}

function save(jobId, log) {
  if (log.saveTimer) return;
  log.saveTimer = setTimeout(() => {
    log.saveTimer = null;
    try {
      localStorage.setItem(KEY + jobId, JSON.stringify(log.points));
    } catch {
      // Storage full: the chart still works for this page's lifetime.
    }
  }, 1000);
}

function record(job) {
  const p = job.progress;
  if (!p || typeof p.step !== "number") return;
  const log = load(job.id);
  const last = log.points[log.points.length - 1];
  if (!last || p.step > last.step) {
    const point = { step: p.step };
    for (const field of FIELDS) if (typeof p[field] === "number") point[field] = p[field];
    log.points.push(point);
    // Keep every other old point when long: the shape stays, storage stays small.
    if (log.points.length > MAX_POINTS) log.points = log.points.filter((_, i) => i % 2 === 0 || i > MAX_POINTS / 2);
    save(job.id, log);
  }
  if (p.preview && p.preview !== log.lastPreview) {
    log.lastPreview = p.preview;
    log.previews.push({ step: p.step, src: p.preview });
    if (log.previews.length > MAX_PREVIEWS) log.previews.shift();
  }
}

export function trainLog(jobId) {
  return load(jobId);
}

jobs.subscribe((job) => {
  if (job && job.type === "train") record(job);
  if (!job) for (const held of jobs.list((j) => j.type === "train" && j.progress)) record(held);
});
