// The JSON API client (docs/serve.md): bearer token from the URL fragment, errors as ApiError,
// jobs followed by server-sent events with a polling fallback.

const TOKEN_KEY = "fleetplan.token";

/** Reads `#token=…` once (remote mode), keeps it for the tab, and removes it from the URL. */
export function takeTokenFromUrl() {
  const m = /(?:^#|[&#])token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", `${location.pathname}#/editor`);
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** An API error: `code` (snake_case from the server, or `network`), `status`, `message`, extra fields. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status ? `http_${status}` : "network");
    this.retryAfter = retryAfter;
    Object.assign(this, e, { message: this.message, code: this.code });
  }
}

/** fetch + JSON; throws ApiError on a non-2xx answer or a network failure. */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal, cache: "no-store" });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, { error: { code: "network", message: `the server did not answer (${e && e.message ? e.message : e}); is \`fleetplan serve\` still running?` } });
  }
  let data = null;
  const textBody = await res.text();
  try {
    data = textBody ? JSON.parse(textBody) : null;
  } catch {
    data = { error: { code: "bad_response", message: `not JSON (HTTP ${res.status}): ${textBody.slice(0, 200)}` } };
  }
  if (!res.ok) throw new ApiError(res.status, data, Number(res.headers.get("Retry-After")) || undefined);
  return data;
}

/**
 * POST that retries on 503 (`busy`/`queue_full`) after Retry-After seconds, at most `tries` times;
 * `onWait(seconds)` is told about each wait.
 */
export async function postWithRetry(path, body, { tries = 3, onWait, signal } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await api("POST", path, body, { signal });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 503 || i + 1 >= tries) throw e;
      const s = Math.min(Math.max(e.retryAfter || 1, 1), 30);
      if (onWait) onWait(s);
      await new Promise((r) => setTimeout(r, s * 1000));
    }
  }
}

const FINAL = new Set(["done", "failed", "cancelled", "timed_out"]);

/** True once a job state is final. */
export function isFinal(state) {
  return FINAL.has(state);
}

/**
 * Follows a job until it is final: `onUpdate(job)` on every event. Uses EventSource
 * (`/api/jobs/{id}/events`) unless a token is needed (EventSource cannot send headers) or it
 * fails, then polls `/api/jobs/{id}`. Resolves with the final job including its result.
 */
export function followJob(id, onUpdate, { signal, onTransport } = {}) {
  return new Promise((resolve, reject) => {
    let done = false;
    let es = null;
    let pollTimer = null;
    const finish = async () => {
      if (done) return;
      done = true;
      if (es) es.close();
      clearTimeout(pollTimer);
      try {
        resolve(await api("GET", `/api/jobs/${encodeURIComponent(id)}`));
      } catch (e) {
        reject(e);
      }
    };
    let polling = false;
    const poll = async () => {
      if (done) return;
      if (!polling && onTransport) onTransport("poll");
      polling = true;
      try {
        const job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`);
        onUpdate(job);
        if (isFinal(job.state)) {
          done = true;
          resolve(job);
          return;
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          done = true;
          reject(e);
          return;
        }
      }
      pollTimer = setTimeout(poll, 500);
    };
    if (signal) signal.addEventListener("abort", () => { done = true; if (es) es.close(); clearTimeout(pollTimer); });
    if (typeof EventSource === "function" && !token()) {
      es = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
      let heard = false;
      es.onmessage = (ev) => {
        let job;
        try { job = JSON.parse(ev.data); } catch { return; }
        if (!heard && onTransport) onTransport("sse");
        heard = true;
        onUpdate(job);
        if (isFinal(job.state)) finish();
      };
      es.onerror = () => {
        // The stream ended or failed: poll (it also catches the final state).
        if (es) es.close();
        es = null;
        if (!done) poll();
      };
    } else {
      poll();
    }
  });
}
