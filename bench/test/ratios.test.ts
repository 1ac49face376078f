import { describe, expect, it } from 'vitest';
import { relaxedRatio } from '../src/relaxed.mjs';

// The "tapegrad ÷" column compares tapegrad with the best peer of the row:
// the fastest in milliseconds, the highest in GFLOP/s.
describe('relaxed rows: tapegrad against the best peer', () => {
  it('takes the highest GFLOP/s as the best', () => {
    const r = { higherIsBetter: true, result: { tapegrad: { value: 50 }, 'tapegrad-plain': { value: 40 }, 'tfjs-wasm': { value: 30 }, 'jax-js-jit': { value: 25 } } };
    expect(relaxedRatio(r)).toBe('1.25× vs plain, 1.67× vs tfjs-wasm');
  });

  it('takes the fewest milliseconds as the best, skipping peers without a figure', () => {
    const r = { higherIsBetter: false, result: { tapegrad: { value: 1 }, 'tapegrad-plain': { value: 1.2 }, 'tfjs-wasm': { value: 1.8 }, 'jax-js-jit': { value: 99 }, other: { error: 'n/a' } } };
    expect(relaxedRatio(r)).toBe('1.20× vs plain, 1.80× vs tfjs-wasm');
  });
});
