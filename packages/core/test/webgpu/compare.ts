import { expect } from 'vitest';

/** Elementwise closeness at float32 tolerances: NaN where NaN, infinities equal, -0 kept where `signedZero`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-5): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a} vs ${e}`).toBe(true);
      continue;
    }
    expect(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}[${i}]: ${a} vs ${e}`).toBe(true);
    if (e === 0 && a === 0) expect(Object.is(a, e), `${what}[${i}]: signed zero ${a} vs ${e}`).toBe(true);
  }
}
