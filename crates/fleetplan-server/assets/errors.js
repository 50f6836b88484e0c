// The in-page error collector. Imported first by app.js, so it is installed before any other
// module runs. It records window errors, unhandled promise rejections and Content-Security-Policy
// violations into `window.__fpErrors`, which the browser test reads (docs/dashboard.md).

/** @type {{kind: string, message: string, at: number}[]} */
const errors = [];
window.__fpErrors = errors;

function record(kind, message) {
  errors.push({ kind, message: String(message), at: Date.now() });
  // eslint-disable-next-line no-console
  console.warn(`[fleetplan] ${kind}: ${message}`);
}

window.addEventListener("error", (e) => {
  if (e.target && e.target !== window && e.target.tagName) {
    // A resource (script, stylesheet, image) failed to load.
    record("resource", `${e.target.tagName.toLowerCase()} ${e.target.src || e.target.href || ""}`);
  } else {
    record("error", `${e.message} (${e.filename || "?"}:${e.lineno || 0})`);
  }
}, true);

window.addEventListener("unhandledrejection", (e) => {
  const r = e.reason;
  record("unhandledrejection", r && r.stack ? r.stack : r);
});

document.addEventListener("securitypolicyviolation", (e) => {
  record("csp", `${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile || "?"}:${e.lineNumber || 0}) ${e.sample || ""}`);
});

/** Errors recorded so far (a copy). */
export function recordedErrors() {
  return errors.slice();
}
