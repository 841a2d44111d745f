// What fits in a bar, as arithmetic on measured widths (the DOM measuring is the callers'):
// which breadcrumbs give way to "…", how many action buttons stay beside "More actions".

const SLACK = 0.5; // sub-pixel widths: a bar that fits to half a pixel fits

/**
 * The breadcrumbs to hide so the rest fit in `room` px: none when all fit. The root and the
 * current folder always stay; the crumbs after the root go first, the parent last.
 * @param {number[]} widths  each crumb's width with its separator and gap (the root first)
 * @param {number} room      the width the breadcrumbs have
 * @param {number} more      the width of the "…" button with its separator and gap
 * @returns {number[]} the indices to hide, ascending
 */
export function hiddenCrumbs(widths, room, more) {
  let total = widths.reduce((sum, w) => sum + w, 0);
  if (total <= room + SLACK) return [];
  const hidden = [];
  total += more;
  for (let i = 1; i <= widths.length - 2 && total > room + SLACK; i++) {
    hidden.push(i);
    total -= widths[i];
  }
  return hidden;
}

/**
 * How many of the buttons (in order) stay in a bar `room` px wide: all when all fit, else
 * as many as fit beside a "More actions" button `more` px wide (the rest go in its menu).
 * @param {number[]} widths  each button's width with its gap
 * @param {number} room
 * @param {number} more
 */
export function fittingCount(widths, room, more) {
  if (widths.reduce((sum, w) => sum + w, 0) <= room + SLACK) return widths.length;
  let used = more;
  let count = 0;
  while (count < widths.length && used + widths[count] <= room + SLACK) used += widths[count++];
  return count;
}
