import { describe, expect, it } from 'vitest';
import { sparkline } from './status.js';

describe('sparkline', () => {
  it('scales values to eight bars, the largest full', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 10])).toBe('▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([])).toBe('');
  });
});
