import { expect } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';

/** A float64 parameter that requires grad. */
export const param = (values: number[]): Tensor => tensor(values, { dtype: 'float64', requiresGrad: true });

/** A float64 gradient. */
export const grad = (values: number[]): Tensor => tensor(values, { dtype: 'float64' });

/** The elements of a tensor as plain numbers. */
export const values = (t: Tensor): number[] => Array.from(t.data, Number);

/** Elementwise |a − b| ≤ tol·max(1, |b|). */
export function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const b = expected[i]!;
    if (Math.abs(a - b) > tol * Math.max(1, Math.abs(b))) {
      throw new Error(`element ${i}: got ${a}, expected ${b} (tolerance ${tol})`);
    }
  });
}
