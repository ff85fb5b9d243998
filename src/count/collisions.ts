/**
 * Distinct items behind `distinct` distinct truncated tokens (linear counting). With
 * `bits`-bit tokens, n items fill m(1 - e^(-n/m)) of the m = 2^bits values on average, so
 * n = -m ln(1 - k/m). Truncation therefore costs no accuracy in the counts.
 */
export function correctForCollisions(distinct: number, bits: number): number {
  const m = 2 ** bits;
  if (distinct >= m) return distinct;
  return Math.round(-m * Math.log1p(-distinct / m));
}
