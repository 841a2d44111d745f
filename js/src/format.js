// Formatting shared by every view: sizes, dates, costs, paths.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** "12.5 MiB"; an em dash for unknown sizes. */
export function formatBytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  let value = Number(n);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

/** "1,234,567 bytes", for the hover text beside a human size. */
export function exactBytes(n) {
  if (n === null || n === undefined) return "size unknown";
  return `${Number(n).toLocaleString("en-US")} bytes`;
}

/** A local date and time, "2026-11-24 22:41"; empty for none. */
export function formatDate(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (v) => String(v).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A cost a user reads at a glance: "$12.35", "$0.21", "< $0.01" below a cent, "$0.00" for
 * nothing, "—" when unknown. Money is shown in cents or more, as a bill would; the exact
 * value is in `exactCost` (the hover text). Other currencies use their own symbol or code.
 */
export function formatCost(value, currency = "USD") {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "—";
  const n = Number(value);
  if (n !== 0 && Math.abs(n) < 0.01) return `< ${money(n < 0 ? -0.01 : 0.01, currency)}`;
  return money(n, currency);
}

/** "0.0000017 USD per month": the exact value (two significant digits below a cent). */
export function exactCost(value, currency = "USD") {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "cost unknown";
  const n = Number(value);
  const text = n !== 0 && Math.abs(n) < 0.01 ? plainDecimal(n) : n.toFixed(2);
  return `${text} ${currency} per month`;
}

function money(n, currency) {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2,
      maximumFractionDigits: 2 }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency}`; // not an ISO 4217 code
  }
}

/** Two significant digits without an exponent: 1.7e-7 -> "0.00000017". */
function plainDecimal(n) {
  const digits = Math.min(20, Math.max(0, 1 - Math.floor(Math.log10(Math.abs(n)))));
  return n.toFixed(digits);
}

/**
 * Where a long name is cut in the middle: [head, tail], the tail kept whole (the end of an
 * ID, or a file's extension and a few characters before it); [name, ""] when short.
 */
export function splitMiddle(name, keep = 8) {
  const text = String(name ?? "");
  if (text.length <= keep * 2) return [text, ""];
  const dot = text.lastIndexOf(".");
  const ext = dot > 0 ? text.length - dot : 0;
  const tail = Math.min(Math.max(keep, ext + 4), Math.floor(text.length / 2));
  return [text.slice(0, text.length - tail), text.slice(text.length - tail)];
}

/** Breadcrumb parts of a storage path: [{name, path}], the root first. */
export function crumbs(path) {
  const parts = (path || "/").split("/").filter(Boolean);
  const out = [{ name: "Storage", path: "/" }];
  parts.forEach((name, i) => out.push({ name, path: parts.slice(0, i + 1).join("/") }));
  return out;
}

/** The parent folder of a storage path ("/" at the top). */
export function parentPath(path) {
  const parts = (path || "/").split("/").filter(Boolean);
  parts.pop();
  return parts.length ? parts.join("/") : "/";
}
