// The jobs as this browser knows them, kept current over the /ws WebSocket. The server sends a
// snapshot of the running and queued jobs on every (re)connect, then one message per change carrying
// the whole job; each message replaces what we hold for that job, so repeats are harmless.

import { api } from "./api.js";

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10000;
const ACTIVE = new Set(["QUEUED", "RUNNING"]);

export const isActive = (job) => ACTIVE.has(job.state);

class JobStore {
  constructor() {
    this.jobs = new Map();
    this.listeners = new Set();
    this.statusListeners = new Set();
    this.status = "connecting";
    this.socket = null;
    this.retryMs = RETRY_MIN_MS;
  }

  /** Loads the finished jobs too (the snapshot only has active ones), then connects. */
  async start() {
    try {
      for (const job of await api.jobs()) this.jobs.set(job.id, job);
      this.emit(null, "loaded");
    } catch {
      // The WebSocket snapshot still brings the active jobs.
    }
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.setStatus(this.socket ? "reconnecting" : "connecting");
    const socket = new WebSocket(`${scheme}//${location.host}/ws`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retryMs = RETRY_MIN_MS;
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.setStatus("reconnecting");
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "snapshot") {
      this.setStatus("live");
      this.replaceActive((message.data && message.data.jobs) || []);
    } else if (message.type && message.type.startsWith("job.") && message.data && message.data.id) {
      this.jobs.set(message.data.id, message.data);
      this.emit(message.data, message.type);
    }
  }

  /** A job we held as active but missing from the snapshot finished meanwhile: ask how. */
  replaceActive(active) {
    const present = new Set(active.map((job) => job.id));
    const vanished = [...this.jobs.values()].filter((job) => isActive(job) && !present.has(job.id));
    for (const job of active) this.jobs.set(job.id, job);
    this.emit(null, "snapshot");
    for (const job of vanished) {
      api.job(job.id)
        .then((fresh) => {
          this.jobs.set(fresh.id, fresh);
          this.emit(fresh, `job.${fresh.state.toLowerCase()}`);
        })
        .catch(() => {
          this.jobs.delete(job.id);
          this.emit(null, "snapshot");
        });
    }
  }

  /** Puts a job the REST API just answered (a submit, a cancel) in place before its event arrives. */
  put(job) {
    const held = this.jobs.get(job.id);
    // An event may already have brought a later state.
    if (!held || !isActive(job) || isActive(held)) this.jobs.set(job.id, job);
    this.emit(this.jobs.get(job.id), "local");
  }

  /** Jobs matching a filter, newest first. */
  list(filter = () => true) {
    return [...this.jobs.values()].filter(filter)
      .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  emit(job, type) {
    for (const listener of this.listeners) listener(job, type);
  }

  setStatus(status) {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

export const jobs = new JobStore();

/** The concept id a job works on, whatever its type. */
export const conceptOf = (job) => (job.params && job.params.concept) || null;
