/**
 * Charts in a line of text, for commands that show counts at a terminal: a sparkline of a series
 * (`status`, `watch`) and horizontal bars of one value against the largest (`history`). Unicode
 * block elements, so that a bar or a spark has eight steps per character.
 */

const SPARKS = '▁▂▃▄▅▆▇█';
/** A bar's last character: one to eight eighths of a full block. */
const EIGHTHS = '▏▎▍▌▋▊▉█';

/** The values as sparks, the largest a full block; all zeros are the lowest spark. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  return values.map((v) => SPARKS[max === 0 ? 0 : Math.round((v / max) * (SPARKS.length - 1))]).join('');
}

/**
 * `value` as a bar of `width` characters for `max`, padded with spaces to `width`. A value above
 * zero shows at least an eighth, so that "a few" never looks like none.
 */
export function bar(value: number, max: number, width: number): string {
  const eighths = max <= 0 || value <= 0 ? 0 : Math.max(1, Math.round((Math.min(value, max) / max) * width * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return `${'█'.repeat(full)}${rest === 0 ? '' : EIGHTHS[rest - 1]}`.padEnd(width);
}
