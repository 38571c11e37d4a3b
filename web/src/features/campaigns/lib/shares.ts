// Weighted routing in the wizard: each relay's share is a whole percentage and
// the shares always add up to 100. Changing one share spreads the difference
// over the others in proportion to what they had (largest remainder), so the
// operator types 70 and the other relay shows 30.

/** normalise turns weights into whole percentages summing to 100 (all equal when every weight is 0). */
export function normalise(weights: number[]): number[] {
  if (weights.length === 0) return [];
  const total = weights.reduce((a, b) => a + Math.max(0, b), 0);
  const base = total > 0 ? weights.map((w) => Math.max(0, w)) : weights.map(() => 1);
  return apportion(base, 100);
}

/** apportion splits total over parts in proportion to weights, in whole numbers (largest remainder). */
export function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) {
    const equal = weights.map(() => 1);
    return apportion(equal, total);
  }
  const exact = weights.map((w) => (w / sum) * total);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i] += 1;
    left -= 1;
  }
  return out;
}

/** setShare sets shares[index] to value (0–100) and spreads the rest over the
 * others in proportion to their shares (equally when they were all 0). */
export function setShare(shares: number[], index: number, value: number): number[] {
  const v = Math.min(100, Math.max(0, Math.round(Number.isFinite(value) ? value : 0)));
  if (shares.length === 1) return [100];
  const others = shares.filter((_, i) => i !== index);
  const rest = apportion(others.some((s) => s > 0) ? others : others.map(() => 1), 100 - v);
  let k = 0;
  return shares.map((_, i) => (i === index ? v : rest[k++]));
}
