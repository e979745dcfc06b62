// Thin wrappers over the REST API. Every failure becomes an ApiError carrying the HTTP status and the
// server's {error, detail} text, so views can say "this server has no training endpoint yet" on a 404
// instead of breaking.

export class ApiError extends Error {
  constructor(status, message, body, method, url) {
    super(message);
    this.status = status;
    this.body = body;
    this.request = `${method} ${url}`;
  }

  /** The endpoint does not exist on this server (yet). */
  get missing() {
    return this.status === 404 || this.status === 405;
  }
}

/** Asks for the server's access token once (only servers configured with one answer 401) and signs in. */
let signingIn = null;
async function signIn() {
  signingIn ??= (async () => {
    const token = window.prompt("This ConceptRank server needs its access token:");
    if (!token) return false;
    const response = await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    });
    return response.ok;
  })().finally(() => { signingIn = null; });
  return signingIn;
}

async function request(method, url, body, retried = false) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ApiError(0, `server unreachable (${error.message})`, null, method, url);
  }
  if (response.status === 401 && !retried && url !== "/api/session" && (await signIn())) {
    return request(method, url, body, true);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  // 207 Multi-Status is a success whose body says which files were refused.
  if (!response.ok) {
    const detail = json && (json.detail || json.error);
    throw new ApiError(response.status, detail || `${response.status} ${response.statusText}`, json, method, url);
  }
  return json;
}

const get = (url) => request("GET", url);
const post = (url, body) => request("POST", url, body);
const del = (url) => request("DELETE", url);
const enc = encodeURIComponent;

function files(field, list) {
  const form = new FormData();
  for (const file of list) form.append(field, file, file.name);
  return form;
}

export const api = {
  system: () => get("/api/system"),
  models: () => get("/api/models"),
  tokenize: (text) => post("/api/tokenize", { text }),

  concepts: () => get("/api/concepts"),
  concept: (id) => get(`/api/concepts/${enc(id)}`),
  createConcept: (body) => post("/api/concepts", body),
  deleteConcept: (id) => del(`/api/concepts/${enc(id)}`),
  uploadReferences: (id, list) => post(`/api/concepts/${enc(id)}/references`, files("files", list)),
  referenceUrl: (id, file) => `/api/concepts/${enc(id)}/references/${enc(file)}`,
  deleteReference: (id, file) => del(`/api/concepts/${enc(id)}/references/${enc(file)}`),
  embeddingUrl: (id, format) => `/api/concepts/${enc(id)}/embedding?format=${enc(format)}`,
  importEmbedding: (id, file) => post(`/api/concepts/${enc(id)}/embedding`, files("file", [file])),

  jobs: () => get("/api/jobs"),
  job: (id) => get(`/api/jobs/${enc(id)}`),
  jobHistory: (id) => get(`/api/jobs/${enc(id)}/history`),
  submitJob: (type, params) => post("/api/jobs", { type, params }),
  cancelJob: (id) => post(`/api/jobs/${enc(id)}/cancel`),

  trainers: () => get("/api/trainers"),
  plugins: () => get("/api/plugins"),
  installPlugin: (jar) => post("/api/plugins", files("file", [jar])),

  demoSubjects: () => get("/api/demo/subjects"),
  createDemoConcept: (subject) => post("/api/demo/concepts", { subject }),
};
