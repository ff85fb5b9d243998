/**
 * A unified line diff, as `diff -u` prints it, to show an operator what a command is about to
 * change in a file before it changes it.
 */

export interface LineDiffOptions {
  /** Unchanged lines shown around each change. */
  context?: number;
  /** Names on the `---` and `+++` lines. */
  labelBefore?: string;
  labelAfter?: string;
}

/**
 * Past this many cells in the longest-common-subsequence table, the differing middle is shown
 * as all removed then all added: still a correct diff, made without quadratic time and memory.
 * Config files are far below it (300 lines against 300 is 90,000).
 */
const MAX_TABLE_CELLS = 4_000_000;

type Kind = ' ' | '-' | '+';

interface DiffLine {
  kind: Kind;
  /** The line with its newline; the last line of a text without a final newline has none. */
  line: string;
}

/** `before` to `after` as a unified diff; '' when they are the same. */
export function lineDiff(before: string, after: string, { context = 2, labelBefore = 'a', labelAfter = 'b' }: LineDiffOptions = {}): string {
  if (before === after) return '';
  const lines = diffLines(splitLines(before), splitLines(after));
  const changed = lines.flatMap((line, index) => (line.kind === ' ' ? [] : [index]));

  // Lines of each text before each diff line, for the hunk headers.
  const beforeAt: number[] = [];
  const afterAt: number[] = [];
  let beforeCount = 0;
  let afterCount = 0;
  for (const { kind } of lines) {
    beforeAt.push(beforeCount);
    afterAt.push(afterCount);
    if (kind !== '+') beforeCount++;
    if (kind !== '-') afterCount++;
  }
  beforeAt.push(beforeCount);
  afterAt.push(afterCount);

  let out = `--- ${labelBefore}\n+++ ${labelAfter}\n`;
  for (let first = 0; first < changed.length; ) {
    // Changes with at most twice the context between them share a hunk, as diff -u does.
    let last = first;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! - 1 <= 2 * context) last++;
    const start = Math.max(0, changed[first]! - context);
    const end = Math.min(lines.length, changed[last]! + context + 1);
    out += `@@ -${range(beforeAt[start]!, beforeAt[end]! - beforeAt[start]!)} +${range(afterAt[start]!, afterAt[end]! - afterAt[start]!)} @@\n`;
    for (const { kind, line } of lines.slice(start, end)) {
      out += line.endsWith('\n') ? `${kind}${line}` : `${kind}${line}\n\\ No newline at end of file\n`;
    }
    first = last + 1;
  }
  return out;
}

/** A hunk's line range: an empty one is named by the line before it, as diff -u does. */
function range(linesBefore: number, count: number): string {
  return `${count === 0 ? linesBefore : linesBefore + 1},${count}`;
}

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function diffLines(before: string[], after: string[]): DiffLine[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const same = (line: string): DiffLine => ({ kind: ' ', line });
  return [
    ...before.slice(0, head).map(same),
    ...diffMiddle(before.slice(head, before.length - tail), after.slice(head, after.length - tail)),
    ...before.slice(before.length - tail).map(same),
  ];
}

/** The lines between the common head and tail, by the longest common subsequence. */
function diffMiddle(before: string[], after: string[]): DiffLine[] {
  const removed = (line: string): DiffLine => ({ kind: '-', line });
  const added = (line: string): DiffLine => ({ kind: '+', line });
  if ((before.length + 1) * (after.length + 1) > MAX_TABLE_CELLS) return [...before.map(removed), ...after.map(added)];

  // common[i * width + j]: length of the longest common subsequence of before[i..] and after[j..].
  const width = after.length + 1;
  const common = new Uint32Array((before.length + 1) * width);
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      common[i * width + j] =
        before[i] === after[j] ? common[(i + 1) * width + j + 1]! + 1 : Math.max(common[(i + 1) * width + j]!, common[i * width + j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (before[i] === after[j]) {
      lines.push({ kind: ' ', line: before[i++]! });
      j++;
    } else if (common[(i + 1) * width + j]! >= common[i * width + j + 1]!) {
      lines.push(removed(before[i++]!));
    } else {
      lines.push(added(after[j++]!));
    }
  }
  return [...lines, ...before.slice(i).map(removed), ...after.slice(j).map(added)];
}
