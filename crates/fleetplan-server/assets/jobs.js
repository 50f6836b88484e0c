// A job panel: starts an optimize / simulate / sweep job, shows its state and progress bar
// (server-sent events, polling as the fallback), offers Cancel, and hands the final job back.

import { api, postWithRetry, followJob, isFinal, ApiError } from "./api.js";
import { h, replace, errorBox } from "./dom.js";
import { seconds } from "./fmt.js";
import { scenario, scenarioBody, results } from "./state.js";

/**
 * Runs a job of `kind` with `body` and renders its progress into `host`.
 * Resolves with the final job (state done/failed/cancelled/timed_out); rejects on API errors.
 */
export async function runJob(kind, body, host) {
  const bar = h("div", { class: "progress-fill" });
  const progress = h("div", { class: "progress indeterminate", testid: "job-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, bar);
  const state = h("span", { class: "job-state", testid: "job-state" }, "starting");
  const msg = h("span", { class: "job-message", testid: "job-message" }, "");
  const elapsed = h("span", { class: "job-elapsed muted" }, "");
  const cancel = h("button", { class: "btn danger small", type: "button", testid: "job-cancel", disabled: true }, "Cancel");
  const panel = h("div", { class: "job-panel", testid: "job-panel" },
    h("div", { class: "job-head" }, h("strong", {}, `${kind} job`), state, elapsed, cancel), progress, msg);
  replace(host, panel);

  let job;
  try {
    job = await postWithRetry(`/api/${kind}`, body, { onWait: (s) => { msg.textContent = `server busy: retrying in ${s} s`; } });
  } catch (e) {
    replace(host, errorBox(e));
    throw e;
  }
  const started = Date.now();
  const tick = setInterval(() => { elapsed.textContent = seconds((Date.now() - started) / 1000); }, 250);
  cancel.disabled = false;
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      const j = await api("DELETE", `/api/jobs/${encodeURIComponent(job.id)}`);
      show(j);
    } catch (e) {
      msg.textContent = `cancel failed: ${e.message}`;
    }
  });
  const show = (j) => {
    panel.dataset.state = j.state;
    state.textContent = j.state === "queued" && j.queue_position !== undefined && j.queue_position !== null ? `queued (#${j.queue_position} in line)` : j.state.replace("_", " ");
    state.className = `job-state state-${j.state}`;
    const f = j.progress && Number.isFinite(j.progress.fraction) ? Math.min(1, Math.max(0, j.progress.fraction)) : null;
    if (isFinal(j.state)) {
      progress.classList.remove("indeterminate");
      bar.style.width = j.state === "done" ? "100%" : `${Math.round((f || 0) * 100)}%`;
      progress.setAttribute("aria-valuenow", j.state === "done" ? "100" : String(Math.round((f || 0) * 100)));
      cancel.disabled = true;
      cancel.hidden = true;
    } else if (f !== null) {
      progress.classList.remove("indeterminate");
      bar.style.width = `${Math.round(f * 100)}%`;
      progress.setAttribute("aria-valuenow", String(Math.round(f * 100)));
    }
    const m = j.progress && j.progress.message ? j.progress.message : "";
    msg.textContent = j.error ? `${j.error.message || j.error.code}` : m;
  };
  show(job);
  try {
    const final = await followJob(job.id, show, { onTransport: (t) => { panel.dataset.transport = t; } });
    show(final);
    return final;
  } catch (e) {
    host.append(errorBox(e instanceof ApiError ? e : new ApiError(0, { error: { code: "network", message: String(e) } })));
    throw e;
  } finally {
    clearInterval(tick);
    elapsed.textContent = seconds((Date.now() - started) / 1000);
  }
}

/** The error box of a job that ended without a result (failed, cancelled, timed out). */
export function jobOutcome(job) {
  if (job.state === "done") return null;
  const err = job.error || { code: job.state, message: job.state === "cancelled" ? "the job was cancelled" : `the job ended ${job.state.replace("_", " ")}` };
  return errorBox({ code: err.code || job.state, message: err.message, diagnostics: err.diagnostics });
}

/**
 * Wires `button` to run a job of `kind` on the current scenario with `settings()`, its panel in
 * `jobHost`; the final job is kept in `results[kind]` (with the scenario version it ran on) and
 * shown by `show(out, job)`. The one home of a job view's Run button.
 */
export function wireJob(kind, button, settings, jobHost, out, show) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    out.replaceChildren();
    const version = scenario.version;
    try {
      const job = await runJob(kind, scenarioBody({ settings: settings() }), jobHost);
      results[kind] = { version, job };
      show(out, job);
    } catch {
      /* the job panel shows the error */
    } finally {
      button.disabled = false;
    }
  });
}
