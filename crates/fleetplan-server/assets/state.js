// The scenario the views run on (the editor's text), the file list, and the last result of each
// view, so that switching views keeps what was computed. Kept in sessionStorage across reloads.

import { api } from "./api.js";

const KEY = "fleetplan.scenario";
const listeners = new Set();

/** The current scenario: `name` (file name or "pasted.toml"), `text`, `origin` (file name it came from), `version` (bumped on every edit). */
export const scenario = { name: null, text: "", origin: null, original: null, version: 0, edited: false };

/** Last results per view: { evaluate: {version, data}, optimize: {...}, ... }. */
export const results = {};

let files = null;

(function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && typeof saved.text === "string") Object.assign(scenario, saved, { version: 1, edited: saved.original !== null && saved.original !== undefined && saved.text !== saved.original });
  } catch {
    /* nothing saved */
  }
})();

/** Replaces the scenario (a file loaded, a paste, an upload, an edit). */
export function setScenario(name, text, { origin = null, original = null } = {}) {
  scenario.name = name;
  scenario.text = text;
  scenario.origin = origin;
  scenario.original = original;
  // Edited: differs from the file it came from (a pasted or uploaded text is its own original).
  scenario.edited = original !== null && text !== original;
  scenario.version += 1;
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ name, text, origin, original }));
  } catch {
    /* storage full: the scenario still lives in the page */
  }
  for (const fn of listeners) fn(scenario);
}

/** Calls `fn(scenario)` on every change. */
export function onScenario(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The request body naming the current scenario. */
export function scenarioBody(extra = {}) {
  return { name: scenario.name || "scenario.toml", text: scenario.text, ...extra };
}

/** The allowed files (examples and files given on the command line), fetched once. */
export async function listFiles() {
  if (!files) files = (await api("GET", "/api/files")).files || [];
  return files;
}

/** Loads an allowed file by name into the scenario. */
export async function loadFile(name) {
  const f = await api("GET", `/api/files/${encodeURIComponent(name)}`);
  setScenario(f.name, f.text, { origin: f.name, original: f.text });
  return f;
}

/** Loads the default scenario (the first file given on the command line, else the ByteDance example, else the first file) when nothing is loaded yet. */
export async function ensureScenario() {
  if (scenario.text) return scenario;
  const list = await listFiles();
  const pick = list.find((f) => f.kind === "given") || list.find((f) => f.name === "bytedance-2025.toml") || list[0];
  if (pick) await loadFile(pick.name);
  return scenario;
}
