import { describe, expect, it } from 'vitest';
import { lineDiff } from './text-diff.js';

const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join('');

describe('lineDiff', () => {
  it('is empty when nothing changed', () => {
    expect(lineDiff('', '')).toBe('');
    expect(lineDiff('a: 1\nb: 2\n', 'a: 1\nb: 2\n')).toBe('');
  });

  it('shows a changed line in the middle with its context', () => {
    const after = numbered(10).replace('line 5\n', 'line five\n');
    expect(lineDiff(numbered(10), after, { labelBefore: 'footfall.yaml', labelAfter: 'footfall.yaml (new)' })).toBe(
      [
        '--- footfall.yaml',
        '+++ footfall.yaml (new)',
        '@@ -3,5 +3,5 @@',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        '',
      ].join('\n'),
    );
  });

  it('shows a section added at the end after the last lines', () => {
    const after = `${numbered(4)}\nzones:\n  wifi: { inside: -61 }\n`;
    expect(lineDiff(numbered(4), after, { context: 1 })).toBe(
      ['--- a', '+++ b', '@@ -4,1 +4,4 @@', ' line 4', '+', '+zones:', '+  wifi: { inside: -61 }', ''].join('\n'),
    );
  });

  it('puts changes close together into one hunk and far apart into two', () => {
    const close = numbered(12).replace('line 3\n', 'three\n').replace('line 7\n', 'seven\n');
    expect(lineDiff(numbered(12), close).match(/^@@ .* @@$/gm)).toEqual(['@@ -1,9 +1,9 @@']);
    const far = numbered(12).replace('line 3\n', 'three\n').replace('line 9\n', 'nine\n');
    expect(lineDiff(numbered(12), far).match(/^@@ .* @@$/gm)).toEqual(['@@ -1,5 +1,5 @@', '@@ -7,5 +7,5 @@']);
  });

  it('names an empty side of a hunk by the line before it', () => {
    expect(lineDiff('', 'a\n')).toBe('--- a\n+++ b\n@@ -0,0 +1,1 @@\n+a\n');
    expect(lineDiff('a\nb\n', 'a\n', { context: 0 })).toBe('--- a\n+++ b\n@@ -2,1 +1,0 @@\n-b\n');
  });

  it('marks a last line without a newline', () => {
    expect(lineDiff('a\nb', 'a\nb\n')).toBe('--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('still gives a correct diff of texts too large to compare line by line', () => {
    const before = numbered(3000);
    const after = `first\n${before.replaceAll('line', 'row')}last\n`;
    const lines = lineDiff(before, after).split('\n');
    expect(lines.filter((line) => line.startsWith('-') && !line.startsWith('---'))).toHaveLength(3000);
    expect(lines.filter((line) => line.startsWith('+') && !line.startsWith('+++'))).toHaveLength(3002);
  });
});
