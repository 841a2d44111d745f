// Selection rules of the table: click, ctrl/cmd-click toggles, shift-click extends.

/**
 * @param {{selected: string[], anchor: number|null}} state
 * @param {number} index  row clicked
 * @param {(i: number) => string|undefined} pathAt  path of a row (undefined if not loaded)
 * @param {{shift?: boolean, toggle?: boolean}} keys
 * @returns {{selected: string[], anchor: number|null}}
 */
export function clickSelect(state, index, pathAt, keys = {}) {
  const path = pathAt(index);
  if (path === undefined) return state;
  if (keys.shift && state.anchor !== null) {
    const [a, b] = [Math.min(state.anchor, index), Math.max(state.anchor, index)];
    const range = [];
    for (let i = a; i <= b; i += 1) {
      const p = pathAt(i);
      if (p !== undefined) range.push(p);
    }
    const base = keys.toggle ? state.selected.filter((p) => !range.includes(p)) : [];
    return { selected: [...base, ...range], anchor: state.anchor };
  }
  if (keys.toggle) {
    const selected = state.selected.includes(path)
      ? state.selected.filter((p) => p !== path)
      : [...state.selected, path];
    return { selected, anchor: index };
  }
  return { selected: [path], anchor: index };
}

/** Move the focused row with a key; returns the new index, clamped to the rows. */
export function moveFocus(index, key, total, pageRows = 10) {
  const last = Math.max(0, total - 1);
  const step = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows }[key];
  if (key === "Home") return 0;
  if (key === "End") return last;
  if (step === undefined) return index;
  return Math.min(last, Math.max(0, (index ?? -1) + step));
}
