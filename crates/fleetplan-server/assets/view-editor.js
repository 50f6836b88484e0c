// Editor view: pick an allowed file, upload or paste a scenario, edit it in a textarea with a
// line-number gutter; every edit is checked (debounced POST /api/check) and each diagnostic is
// shown beside its line (a gutter marker and the message aligned with the line) and in a list.

import { api } from "./api.js";
import { h, replace, errorBox, debounce, empty } from "./dom.js";
import { scenario, setScenario, listFiles, loadFile, ensureScenario } from "./state.js";

export const title = "Editor";

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

/** Renders the editor into `page`; returns the cleanup function. */
export async function render(page) {
  const select = h("select", { testid: "file-select", "aria-label": "Scenario file" });
  const loadBtn = h("button", { class: "btn", type: "button", testid: "file-load" }, "Load");
  const upload = h("input", { type: "file", accept: ".toml,text/plain,application/toml", testid: "file-upload", class: "visually-hidden", id: "file-upload" });
  const uploadLabel = h("label", { class: "btn secondary", for: "file-upload" }, "Upload…");
  const revert = h("button", { class: "btn secondary", type: "button", testid: "file-revert", title: "Reload the file this text came from" }, "Revert");
  const status = h("span", { class: "check-status", testid: "check-status", "aria-live": "polite" }, "");
  const toolbar = h("div", { class: "toolbar" },
    h("label", { class: "field" }, h("span", {}, "File"), select), loadBtn, uploadLabel, upload, revert,
    h("span", { class: "spacer" }), status,
    h("a", { class: "btn primary", href: "#/evaluate", testid: "goto-evaluate" }, "Evaluate →"));

  const gutterInner = h("div", { class: "gutter-inner" });
  const gutter = h("div", { class: "gutter", testid: "editor-gutter", "aria-hidden": "true" }, gutterInner);
  const textarea = h("textarea", { class: "code", testid: "editor-text", spellcheck: "false", wrap: "off", autocapitalize: "off", autocomplete: "off", "aria-label": "Scenario TOML" });
  const annInner = h("div", { class: "ann-inner" });
  const ann = h("div", { class: "annotations", testid: "editor-annotations" }, annInner);
  const editor = h("div", { class: "editor" }, gutter, textarea, ann);
  const list = h("ol", { class: "diag-items", testid: "diagnostics-list" });
  const listPanel = h("section", { class: "panel diag-panel" }, h("h2", {}, "Problems"), list);
  const fileError = h("div", {});
  page.append(h("div", { class: "page-head" }, h("h1", {}, "Scenario editor"),
    h("p", { class: "note" }, "Load an example or a file given to ", h("code", {}, "fleetplan serve"), ", upload or paste a scenario, and edit it: problems are checked as you type and shown beside their lines. The other views run on this text.")),
  toolbar, fileError, editor, listPanel);

  let lineCount = 0;
  let diagnostics = [];
  let seq = 0;
  const lh = () => parseFloat(getComputedStyle(textarea).lineHeight) || 20;

  const renderGutter = () => {
    const n = textarea.value.split("\n").length;
    if (n !== lineCount) {
      lineCount = n;
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= n; i++) frag.append(h("div", { class: "gl", testid: "gutter-line", dataset: { line: String(i) } }, String(i)));
      gutterInner.replaceChildren(frag);
      gutterInner.style.height = `${n * lh() + 64}px`;
      annInner.style.height = `${n * lh() + 64}px`;
    }
    paintDiagnostics();
  };

  const paintDiagnostics = () => {
    for (const el of gutterInner.querySelectorAll(".gl.error, .gl.warning")) {
      el.classList.remove("error", "warning");
      el.querySelector(".marker")?.remove();
    }
    annInner.replaceChildren();
    if (!diagnostics.some((d) => d.line)) annInner.append(h("div", { class: "ann-hint" }, "Problems found by the check appear here, beside their lines."));
    const byLine = new Map();
    for (const d of diagnostics) {
      if (!d.line) continue;
      if (!byLine.has(d.line)) byLine.set(d.line, []);
      byLine.get(d.line).push(d);
    }
    const step = lh();
    for (const [line, ds] of byLine) {
      const sev = ds.some((d) => d.severity === "error") ? "error" : "warning";
      const gl = gutterInner.children[line - 1];
      if (gl) {
        gl.classList.add(sev);
        gl.prepend(h("span", { class: "marker", testid: "gutter-marker", dataset: { line: String(line) }, title: ds.map((d) => d.message).join("\n") }, sev === "error" ? "●" : "▲"));
      }
      const full = ds.map((d) => `${d.message}${d.label ? ` (${d.label})` : ""}${d.help ? ` — ${d.help}` : ""}`).join("\n");
      const row = h("div", { class: `ann ${sev}`, testid: "diagnostic-inline", dataset: { line: String(line) }, title: full },
        h("span", { class: "ann-msg" }, ds[0].message),
        ds[0].help ? h("span", { class: "ann-help" }, ` — ${ds[0].help}`) : null,
        ds.length > 1 ? h("span", { class: "pill" }, `+${ds.length - 1}`) : null);
      row.style.top = `${(line - 1) * step}px`;
      row.addEventListener("click", () => goToLine(line, ds[0].column));
      annInner.append(row);
    }
  };

  const syncScroll = () => {
    gutter.scrollTop = textarea.scrollTop;
    ann.scrollTop = textarea.scrollTop;
  };

  const goToLine = (line, column = 1) => {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
    const lineLen = lines[line - 1] !== undefined ? lines[line - 1].length : 0;
    const pos = offset + Math.min(Math.max(0, (column || 1) - 1), lineLen);
    textarea.focus({ preventScroll: true });
    textarea.setSelectionRange(pos, pos);
    textarea.scrollTop = Math.max(0, (line - 1) * lh() - textarea.clientHeight / 3);
    syncScroll();
  };

  const renderList = (doc) => {
    list.replaceChildren();
    if (!diagnostics.length) {
      list.append(h("li", { class: "ok-item", testid: "diagnostics-empty" }, "No problems: the scenario checks clean."));
      return;
    }
    for (const d of diagnostics) {
      const item = h("li", { class: `diag ${d.severity}`, testid: "diagnostic-item", dataset: { line: d.line ? String(d.line) : "" }, tabindex: "0" },
        h("span", { class: `sev ${d.severity}` }, d.severity),
        h("span", { class: "loc" }, d.line ? `line ${d.line}:${d.column}` : "file"),
        d.path ? h("code", { class: "path" }, d.path) : null,
        h("span", { class: "msg" }, d.message),
        d.label ? h("span", { class: "label muted" }, ` (${d.label})`) : null,
        d.help ? h("div", { class: "help" }, d.help) : null);
      if (d.line) {
        item.addEventListener("click", () => goToLine(d.line, d.column));
        item.addEventListener("keydown", (e) => { if (e.key === "Enter") goToLine(d.line, d.column); });
      }
      list.append(item);
    }
    if (doc && doc.problems > diagnostics.length) list.append(h("li", { class: "muted" }, `${doc.problems - diagnostics.length} more not shown`));
  };

  const setStatus = (kind, text) => {
    status.className = `check-status ${kind}`;
    status.dataset.state = kind;
    status.textContent = text;
  };

  const check = async () => {
    const mine = ++seq;
    if (!textarea.value.trim()) {
      diagnostics = [];
      renderList(null);
      paintDiagnostics();
      setStatus("idle", "empty scenario");
      return;
    }
    setStatus("checking", "checking…");
    try {
      const doc = await api("POST", "/api/check", { name: scenario.name || "scenario.toml", text: textarea.value });
      if (mine !== seq) return;
      diagnostics = Array.isArray(doc.diagnostics) ? doc.diagnostics : [];
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      const warnings = diagnostics.length - errors;
      if (doc.ok && !diagnostics.length) setStatus("ok", "✓ no problems");
      else setStatus(errors ? "error" : "warning", `${errors} error${errors === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}`);
      renderList(doc);
      paintDiagnostics();
    } catch (e) {
      if (mine !== seq) return;
      setStatus("failed", `check failed: ${e.message}`);
    }
  };
  const checkSoon = debounce(check, 350);

  const showText = (text) => {
    textarea.value = text;
    textarea.scrollTop = 0;
    lineCount = 0;
    diagnostics = [];
    revert.disabled = !scenario.origin;
    renderGutter();
    syncScroll();
    check();
  };

  textarea.addEventListener("input", () => {
    setScenario(scenario.name || "pasted.toml", textarea.value, { origin: scenario.origin, original: scenario.original ?? "" });
    renderGutter();
    setStatus("checking", "…");
    checkSoon();
  });
  textarea.addEventListener("scroll", syncScroll);
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Two spaces, not a focus change (undo keeps working through execCommand).
      e.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
  });

  const load = async (name) => {
    fileError.replaceChildren();
    try {
      await loadFile(name);
      showText(scenario.text);
    } catch (e) {
      replace(fileError, errorBox(e));
    }
  };
  loadBtn.addEventListener("click", () => { if (select.value) load(select.value); });
  select.addEventListener("keydown", (e) => { if (e.key === "Enter" && select.value) load(select.value); });
  revert.addEventListener("click", () => { if (scenario.origin) load(scenario.origin); });
  upload.addEventListener("change", () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    fileError.replaceChildren();
    if (file.size > MAX_UPLOAD_BYTES) {
      replace(fileError, errorBox({ code: "too_large", message: `${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the server takes scenarios up to 2 MiB.` }));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      setScenario(file.name, String(reader.result), { origin: null, original: String(reader.result) });
      showText(scenario.text);
    };
    reader.onerror = () => replace(fileError, errorBox({ code: "read_failed", message: `could not read ${file.name}` }));
    reader.readAsText(file);
    upload.value = "";
  });

  try {
    const files = await listFiles();
    const groups = [["example", "Examples"], ["given", "Given files"]];
    for (const [kind, label] of groups) {
      const fs = files.filter((f) => (f.kind || "example") === kind);
      if (!fs.length) continue;
      select.append(h("optgroup", { label }, fs.map((f) => h("option", { value: f.name }, f.title && f.title !== f.name ? `${f.name} — ${f.title}` : f.name))));
    }
    if (!files.length) select.append(h("option", { value: "" }, "no files"));
    await ensureScenario();
    if (scenario.origin) select.value = scenario.origin;
  } catch (e) {
    replace(fileError, errorBox(e));
  }
  if (!scenario.text) list.append(h("li", {}, empty("No scenario yet: upload or paste one.")));
  showText(scenario.text);
  return () => {};
}
