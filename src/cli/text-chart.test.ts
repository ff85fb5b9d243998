import { describe, expect, it } from 'vitest';
import { bar, sparkline } from './text-chart.js';

describe('sparkline', () => {
  it('scales values to eight sparks, the largest full', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 10])).toBe('▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([])).toBe('');
  });
});

describe('bar', () => {
  it('draws the value against the largest in eighths of a character, padded to the width', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██  ');
    expect(bar(9, 16, 2)).toBe('█▏');
    expect(bar(3, 16, 2)).toBe('▍ ');
  });

  it('shows a small value as an eighth and nothing for zero', () => {
    expect(bar(1, 1000, 4)).toBe('▏   ');
    expect(bar(0, 10, 4)).toBe('    ');
    expect(bar(0, 0, 3)).toBe('   ');
  });

  it('never runs past the width', () => {
    expect(bar(20, 10, 3)).toBe('███');
  });
});
