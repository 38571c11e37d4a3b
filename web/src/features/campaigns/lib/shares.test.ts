import { describe, expect, it } from 'vitest';
import { apportion, normalise, setShare } from './shares';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('routing shares', () => {
  it('start from the relays weights, as whole percentages summing to 100', () => {
    expect(normalise([1, 1])).toEqual([50, 50]);
    expect(normalise([1, 1, 1])).toEqual([34, 33, 33]);
    expect(normalise([7, 3])).toEqual([70, 30]);
    expect(normalise([0, 0])).toEqual([50, 50]);
    expect(normalise([5])).toEqual([100]);
  });

  it('typing one share moves the others so the total stays 100', () => {
    expect(setShare([50, 50], 0, 70)).toEqual([70, 30]);
    expect(setShare([70, 30], 1, 45)).toEqual([55, 45]);
    expect(setShare([50, 30, 20], 0, 80)).toEqual([80, 12, 8]);
    expect(setShare([100, 0, 0], 0, 40)).toEqual([40, 30, 30]);
    expect(setShare([50, 50], 0, 150)).toEqual([100, 0]);
    expect(setShare([50, 50], 0, -5)).toEqual([0, 100]);
    expect(setShare([50, 50], 0, Number.NaN)).toEqual([0, 100]);
  });

  it('never lets the total drift, whatever is typed', () => {
    let shares = normalise([3, 1, 4, 1, 5]);
    for (let step = 0; step < 200; step++) {
      shares = setShare(shares, step % shares.length, (step * 37) % 101);
      expect(sum(shares)).toBe(100);
      expect(shares.every((s) => s >= 0 && Number.isInteger(s))).toBe(true);
    }
    expect(sum(apportion([1, 2, 3], 7))).toBe(7);
  });
});
