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

export function formatCost(value, currency = "USD") {
  if (value === null || value === undefined) return "";
  if (value === 0) return `0 ${currency}`;
  // Small shares stay readable: two significant digits instead of "0.00".
  const text = Math.abs(value) < 0.01 ? value.toPrecision(2) : value.toFixed(2);
  return `${text} ${currency}`;
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
