import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '@tapegrad/core';
import { compareResults, crossCheck, onBackend } from '../src/cross-check.mjs';
import { w1Inputs } from '../src/inputs.mjs';
import { createTapegrad } from '../src/libs/tapegrad.mjs';
import { alternate } from '../src/timing.mjs';

const start = getBackend().name;
afterEach(() => setBackend(start as 'js' | 'wasm'));

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);
const fixed = (name: string, values: Float32Array[]) => ({ name, run: () => values, read: async (v: Float32Array[]) => v });

describe('compareResults', () => {
  it('accepts float32 rounding and names the first output that differs', () => {
    expect(compareResults([f32([1, 2, 3])], [f32([1, 2.0001, 3])])).toBeNull();
    expect(compareResults([f32([1, 2, 3])], [f32([1, 2.5, 3])])).toBe('mismatch: output 0: 1 of 3 values differ, at [1] 2.5 vs 2');
    expect(compareResults([f32([1]), f32([4, 5])], [f32([1]), f32([4])])).toMatch(/^mismatch: output 1 has 1 values, the reference 2/);
    expect(compareResults([f32([1])], [])).toMatch(/^mismatch: 0 outputs/);
  });

  it('counts NaN on either side as a difference', () => {
    expect(compareResults([f32([1, 2])], [f32([1, NaN])])).toMatch(/^mismatch/);
    expect(compareResults([f32([1, NaN])], [f32([1, 2])])).toMatch(/^mismatch/);
  });
});

describe('crossCheck', () => {
  it('keeps the peers that agree with the reference and reports the others', async () => {
    const ref = fixed('ref', [f32([1, 2, 3])]);
    const good = fixed('good', [f32([1, 2, 3.0001])]);
    const wrong = fixed('wrong', [f32([1, 2, -3])]);
    const broken = { name: 'broken', run: () => { throw new Error('kernel missing'); }, read: async (v: unknown) => v };
    const { passed, errors } = await crossCheck([ref, good, wrong, broken], 'ref');
    expect(passed.map((c) => c.name)).toEqual(['ref', 'good']);
    expect(errors).toEqual({ wrong: 'mismatch: output 0: 1 of 3 values differ, at [2] -3 vs 3', broken: 'kernel missing' });
  });

  it('compares every step of a stateful run', async () => {
    let n = 0;
    const ref = { name: 'ref', run: () => [f32([++n])], read: async (v: Float32Array[]) => v };
    const stuck = fixed('stuck', [f32([1])]);
    const { errors } = await crossCheck([ref, stuck], 'ref', { steps: 2 });
    expect(errors.stuck).toBe('mismatch: output 1: 1 of 1 values differ, at [0] 1 vs 2');
  });

  it('reports every peer as unchecked when the reference has no result', async () => {
    const ref = { name: 'ref', run: () => { throw new Error('no'); }, read: async (v: unknown) => v };
    const { passed, errors } = await crossCheck([ref, fixed('peer', [f32([1])])], 'ref');
    expect(passed).toEqual([]);
    expect(errors.peer).toBe('not cross-checked: ref has no result');
  });
});

describe('backend checks', () => {
  it('onBackend throws when the library reports another backend than its column', () => {
    let current = 'wasm';
    const run = onBackend('lib-wasm', 'wasm', () => current, () => 42);
    expect(run()).toBe(42);
    current = 'cpu';
    expect(() => run()).toThrow("backend: lib-wasm is running on 'cpu', not 'wasm'");
  });

  it('a tapegrad column on the wrong backend gets an error, not a figure', async () => {
    const inputs = w1Inputs(4);
    const ref = createTapegrad('js');
    setBackend('wasm');
    const lib = createTapegrad('wasm');
    const column = { name: lib.name, ...lib.w1(inputs) };
    const reference = { name: ref.name, activate: ref.activate, ...ref.w1(inputs) };
    // The column's own activate would select wasm; this one leaves the reference's backend on.
    const mislabelled = { ...column, activate: () => setBackend('js') };
    const { passed, errors } = await crossCheck([reference, mislabelled], 'tapegrad-js');
    expect(passed.map((c) => c.name)).toEqual(['tapegrad-js']);
    expect(errors.tapegrad).toBe("backend: tapegrad is running on 'js', not 'wasm'");
  });

  it('a run that starts failing while it is timed leaves an error, not a figure', async () => {
    let calls = 0;
    const flaky = { name: 'flaky', run: () => { if (++calls > 3) throw new Error("backend: flaky is running on 'cpu', not 'wasm'"); } };
    const steady = { name: 'steady', run: () => {} };
    const out = await alternate([flaky, steady], { warmup: 1, minSamples: 2, maxSamples: 2, budgetMs: 0 });
    expect(out.flaky).toEqual({ error: "backend: flaky is running on 'cpu', not 'wasm'" });
    expect(out.steady?.samples).toBe(2);
  });

  it('a figure carries the range of the samples its median was taken from', async () => {
    // A warm-up step of 100 ms or more makes every sample one step: 30, 10 and 20 ms.
    const times = [100, 30, 10, 20];
    let calls = 0;
    const clock = { name: 'clock', run: () => { const end = performance.now() + times[calls++]!; while (performance.now() < end); } };
    const out = await alternate([clock], { warmup: 1, minSamples: 3, maxSamples: 3, budgetMs: 0, untimed: 0 });
    const [lo, hi] = out.clock!.range!;
    expect(out.clock!.samples).toBe(3);
    expect(lo).toBeGreaterThanOrEqual(10);
    expect(lo).toBeLessThan(20);
    expect(hi).toBeGreaterThanOrEqual(30);
    expect(out.clock!.ms).toBeGreaterThan(lo);
    expect(out.clock!.ms).toBeLessThan(hi);
  });
});
