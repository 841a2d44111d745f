// Inline SVG icons (no fonts or network needed); they take the text colour.
const PATHS = {
  folder: "M2 4.5A1.5 1.5 0 0 1 3.5 3h3l1.5 1.5h4.5A1.5 1.5 0 0 1 14 6v5.5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 11.5z",
  file: "M4 2h5l3 3v8.5a.5.5 0 0 1-.5.5h-7a.5.5 0 0 1-.5-.5V2.5A.5.5 0 0 1 4 2zm5 0v3h3",
  zip: "M4 2h8v12H4zM7 2v1h1v1H7v1h1v1H7v1h1v2H7z",
  task: "M6 2h4v1H9.5v3.2l3.3 5.6A1.5 1.5 0 0 1 11.5 14h-7a1.5 1.5 0 0 1-1.3-2.2l3.3-5.6V3H6z",
  root: "M3 3h10v3H3zm0 4h10v3H3zm0 4h10v2H3z",
};
const KIND_TO_ICON = { folder: "folder", member_dir: "folder", task: "task", zip: "zip",
  file: "file", member: "file", root: "root" };

export function icon(kind) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `iw-icon iw-icon-${KIND_TO_ICON[kind] || "file"}`);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", PATHS[KIND_TO_ICON[kind] || "file"]);
  svg.append(path);
  return svg;
}
