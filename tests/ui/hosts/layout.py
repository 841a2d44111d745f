"""What "looks right" means, measured in the page: computed styles and bounding boxes.

`measure` runs in the browser on the widget's root element (inside marimo's shadow root
too: Playwright's locators pierce open shadow roots) and returns plain numbers;
`assert_looks_right` turns them into failures that say what is wrong and where.
"""

from __future__ import annotations

from typing import Any

MEASURE = """(root) => {
  const box = (el) => el.getBoundingClientRect();
  const shown = (el) => { const b = box(el); return b.width > 0 && b.height > 0; };
  // The box of a name: the label's own box, or its words after the icon when it holds it.
  const nameBox = (svg, label) => {
    if (!label.contains(svg)) return box(label);
    const range = document.createRange();
    range.setStartAfter(svg);
    range.setEndAfter(label.lastChild);
    return range.getBoundingClientRect();
  };
  // An icon is inline when it is inline-level, or an item of a flex row (which blockifies
  // it: computed "block", laid out in the row).
  const iconAndName = (svg, label) => {
    const a = box(svg), b = nameBox(svg, label), middle = a.top + a.height / 2;
    const parent = getComputedStyle(svg.parentElement);
    const flexRow = parent.display.endsWith("flex") && parent.flexDirection.startsWith("row");
    return { name: label.textContent.trim(), display: getComputedStyle(svg).display, flexRow,
             sameLine: middle > b.top && middle < b.bottom, before: a.right <= b.left + 1 };
  };
  const tree = [...root.querySelectorAll("[role=tree] [role=treeitem]")]
    .map((item) => item.querySelector(":scope > div"))
    .filter((row) => row && row.querySelector("svg") && shown(row))
    .map((row) => iconAndName(row.querySelector("svg"), row.querySelector(".iw-tree-label")));
  const table = [...root.querySelectorAll("[role=row][data-path] .iw-col-name")]
    .filter(shown)
    .map((cell) => iconAndName(cell.querySelector("svg"), cell.querySelector(".iw-name")));
  const bars = {};
  for (const cls of ["iw-header", "iw-toolbar", "iw-actions"]) {
    const bar = root.querySelector("." + cls);
    const items = [...bar.children].filter(shown).map(box);
    bars[cls] = {
      items: items.length,
      // one line: every item overlaps every other vertically
      oneLine: items.length > 0
        && Math.max(...items.map((b) => b.top)) < Math.min(...items.map((b) => b.bottom)),
      inside: items.every((b) => b.left >= box(bar).left - 1 && b.right <= box(bar).right + 1),
    };
  }
  const widget = box(root);
  const holder = box(root.querySelector(".iw-table-holder"));
  const columns = [...root.querySelectorAll(".iw-grid-head [role=columnheader]")].filter(shown)
    .map((cell) => ({ name: cell.textContent.replace(/[▲▼]/g, "").trim(),
                      left: box(cell).left, right: box(cell).right }));
  const head = root.querySelector(".iw-grid-head");
  const style = getComputedStyle(root);
  return {
    tree, table, bars, columns,
    widget: { left: widget.left, right: widget.right, width: widget.width },
    holder: { left: holder.left, right: holder.right },
    headOverflow: head.scrollWidth - head.clientWidth,
    container: style.containerType,
    background: style.backgroundColor,
    color: style.color,
    font: style.fontFamily,
  };
}"""


def measure(root) -> dict[str, Any]:
    """Layout facts of the StorageBrowser whose root element `root` locates."""
    return root.evaluate(MEASURE)


def _rgb(css: str) -> tuple[float, ...]:
    inside = css[css.index("(") + 1:css.index(")")].replace("/", " ").replace(",", " ")
    return tuple(float(v) for v in inside.split()[:3])


def luminance(css: str) -> float:
    """Relative luminance (0 black .. 1 white) of a computed `rgb(...)` colour."""
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def assert_looks_right(facts: dict[str, Any], host: str, *, dark: bool = False) -> None:
    """Icons inline with names, bars on one line, every column inside the widget."""
    assert facts["container"] == "inline-size", f"{host}: the widget root is no size container"
    assert facts["tree"] and facts["table"], f"{host}: no tree rows or table rows measured"
    for where in ("tree", "table"):
        for row in facts[where]:
            assert row["display"] in ("inline", "inline-block") or row["flexRow"], \
                f"{host}: {where} icon of {row['name']!r} computes to display:{row['display']}"
            assert row["sameLine"] and row["before"], \
                f"{host}: {where} icon of {row['name']!r} is not on its name's line: {row}"
    for name, bar in facts["bars"].items():
        assert bar["oneLine"], f"{host}: .{name} wraps onto more than one line"
        assert bar["inside"], f"{host}: .{name} has items outside the bar"
    right = min(facts["widget"]["right"], facts["holder"]["right"])
    assert facts["columns"], f"{host}: no column headers"
    for column in facts["columns"]:
        assert column["right"] <= right + 1, \
            f"{host}: column {column['name']!r} is cut off ({column['right']:.0f} > {right:.0f})"
    assert facts["headOverflow"] <= 1, f"{host}: the header overflows by {facts['headOverflow']} px"
    shade = luminance(facts["background"])
    text = luminance(facts["color"])
    colours = f"background {facts['background']}, text {facts['color']}"
    if dark:
        assert shade < 0.2 < text, f"{host} dark: {colours}"
    else:
        assert shade > 0.6 > text, f"{host} light: {colours}"


MEASURE_ZIP = """(root) => {
  const box = (el) => el.getBoundingClientRect();
  const pane = box(root.querySelector(".iw-zx-tree-pane"));
  const rows = [...root.querySelectorAll(".iw-zx-row")].filter((row) => box(row).height > 0)
    .map((row) => {
      const svg = row.querySelector("svg"), label = row.querySelector(".iw-zx-label");
      const a = box(svg), b = box(label), middle = a.top + a.height / 2;
      const parent = getComputedStyle(svg.parentElement);
      return { name: label.textContent, display: getComputedStyle(svg).display,
               flexRow: parent.display.endsWith("flex") && parent.flexDirection.startsWith("row"),
               sameLine: middle > b.top && middle < b.bottom, before: a.right <= b.left + 1,
               shown: b.width, natural: label.scrollWidth,
               detailsRight: box(row.querySelector(".iw-zx-details")).right };
    });
  return { rows, paneRight: pane.right, widgetRight: box(root).right };
}"""

READABLE_PX = 90  # a member's name shows at least this much of itself (about 12 characters)


def assert_zip_looks_right(root, host: str) -> None:
    """ZipExplorer rows: icons inline, names readable, the figures inside the member list."""
    facts = root.evaluate(MEASURE_ZIP)
    assert facts["rows"], f"{host}: no ZipExplorer rows"
    assert facts["paneRight"] <= facts["widgetRight"] + 1, f"{host}: member list cut off"
    for row in facts["rows"]:
        where = f"{host}: ZipExplorer row {row['name']!r}"
        assert row["display"] in ("inline", "inline-block") or row["flexRow"], where
        assert row["sameLine"] and row["before"], f"{where}: icon off its name's line {row}"
        assert row["shown"] >= min(row["natural"], READABLE_PX) - 1, \
            f"{where}: only {row['shown']:.0f} px of the name show"
        assert row["detailsRight"] <= facts["paneRight"] + 1, f"{where}: figures cut off"
