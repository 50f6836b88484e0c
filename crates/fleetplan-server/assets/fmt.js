// Number formatting for people: units and currency on every figure (docs/dashboard.md).

const SYMBOL = { USD: "$", CNY: "¥", EUR: "€", GBP: "£", JPY: "JP¥", KRW: "₩", INR: "₹" };

/** 1234567 → "1,234,567"; `digits` fraction digits at most. */
export function num(v, digits = 0) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A count with k/M/bn scaling: 410000 → "410 k". */
export function compact(v, unit = "") {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  const [d, s] = a >= 1e12 ? [1e12, " tn"] : a >= 1e9 ? [1e9, " bn"] : a >= 1e6 ? [1e6, " M"] : a >= 1e4 ? [1e3, " k"] : [1, ""];
  const x = v / d;
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  const t = x.toLocaleString("en-US", { maximumFractionDigits: d === 1 && Number.isInteger(v) ? 0 : digits });
  return `${t}${s}${unit ? (s ? "" : " ") + unit : ""}`.replace(/ {2,}/g, " ");
}

/** Money with currency: money(2.17e10, "CNY") → "¥21.7 bn". */
export function money(v, currency = "USD") {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const sym = SYMBOL[currency] || `${currency} `;
  const sign = v < 0 ? "−" : "";
  const a = Math.abs(v);
  if (a < 1e4) return `${sign}${sym}${a.toLocaleString("en-US", { maximumFractionDigits: a < 10 ? 3 : a < 100 ? 2 : 0 })}`;
  return `${sign}${sym}${compact(a)}`;
}

/** A share 0..1 as a percentage: 0.1234 → "12.3 %". */
export function pct(v, digits = 1) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return `${(v * 100).toFixed(digits)} %`;
}

/** Seconds with a readable unit: 0.0123 → "12.3 ms". */
export function seconds(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a < 1e-3) return `${(v * 1e6).toFixed(0)} µs`;
  if (a < 1) return `${(v * 1e3).toFixed(a < 0.01 ? 2 : 1)} ms`;
  if (a < 120) return `${v.toFixed(2)} s`;
  if (a < 7200) return `${(v / 60).toFixed(1)} min`;
  return `${(v / 3600).toFixed(1)} h`;
}

/** A rate per second with a unit: rate(1271930, "tokens") → "1.27 M tokens/s". */
export function rate(v, unit) {
  return `${compact(v)} ${unit}/s`.replace("– ", "–").replace(/^–.*/, "–");
}

/** Power in MW. */
export function mw(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return `${num(v, v < 10 ? 2 : v < 100 ? 1 : 0)} MW`;
}

/** An ISO-ish quarter label passes through; null → "–". */
export function text(v) {
  return v === null || v === undefined || v === "" ? "–" : String(v);
}
