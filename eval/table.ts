/** The harness's printed figures: aligned tables, percentages and target verdicts. */

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** 0.123 → "12.3%"; a figure that could not be measured → "n/a". */
export function percent(fraction: number, signed = false): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const text = `${(fraction * 100).toFixed(1)}%`;
  return signed && fraction > 0 ? `+${text}` : text;
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** A target, with whether the figure met it; a figure that could not be measured does not. */
export interface TargetCheck {
  target: string;
  figure: string;
  met: boolean;
}

export function describeTargets(checks: readonly TargetCheck[]): string[] {
  return checks.map(({ target, figure, met }) => `  ${target}: ${figure}  ${met ? 'met' : 'NOT met'}`);
}
