import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFloating, type DType, type Tensor } from '@tapegrad/core';
import { exportOnnx } from '@tapegrad/onnx';
import { elementwiseSpecs, opSpecs } from '../../core/test/op-specs.js';
import { runOnnx } from './ort.js';

// Every row of core's op table (the same rows its gradient and backend tests
// run over), exported and run in ONNX Runtime on a few of the row's own
// random inputs, in float32; and every elementwise kernel on every dtype it
// accepts. A primitive whose converter is wrong fails here by name.

const SAMPLES = 3;

/** |got − want| ≤ 1e-4 + 1e-4·|want| elementwise (float32 through ops rounded in other orders); exact for ints and bools. */
function expectClose(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const [g, w] = [got.data, want.data];
  for (let i = 0; i < w.length; i++) {
    const [x, y] = [Number(g[i]), Number(w[i])];
    if (Number.isNaN(y)) expect(x, `${what}: element ${i}`).toBeNaN();
    else if (!isFloating(want.dtype) || !Number.isFinite(y)) expect(x, `${what}: element ${i}`).toBe(y);
    else expect(Math.abs(x - y), `${what}: element ${i} is ${x}, tapegrad has ${y}`).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(y));
  }
}

async function exportAndCompare(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], what: string): Promise<void> {
  const want = fn(...inputs);
  const bytes = exportOnnx(fn, inputs);
  const feeds = Object.fromEntries(inputs.map((t, i) => [inputs.length === 1 ? 'input' : `input${i}`, t]));
  const { output } = await runOnnx(bytes, feeds);
  expectClose(output!, want, what);
}

const asFloat32 = (t: Tensor): Tensor => (t.dtype === 'float64' ? t.float() : t);

describe('every op of the op table exports and runs in ONNX Runtime as in tapegrad', () => {
  for (const spec of opSpecs) {
    it(spec.name, async () => {
      const samples = fc.sample(spec.inputs, { seed: 42, numRuns: SAMPLES });
      for (const [k, xs] of samples.entries()) await exportAndCompare(spec.fn, xs.map(asFloat32), `${spec.name}, sample ${k} (shapes ${xs.map((x) => `[${x.shape}]`).join(' ')})`);
    });
  }
});

/** An input of the row recast to `dtype`: ints rounded from the float values, bools where they are positive. */
function recast(t: Tensor, dtype: DType): Tensor {
  if (dtype === 'bool') return t.gt(0);
  return dtype === 'int32' ? t.mul(2).to('int32') : t.to(dtype);
}

describe('every elementwise kernel exports for every dtype it accepts', () => {
  for (const spec of elementwiseSpecs) {
    for (const dtype of spec.elementwise.dtypes) {
      it(`${spec.elementwise.kernel} on ${dtype}`, async () => {
        const [xs] = fc.sample(spec.inputs, { seed: 7, numRuns: 1 });
        // float64 inputs stay float64: ONNX Runtime computes most float64 ops in float64.
        await exportAndCompare(spec.fn, xs!.map((x) => recast(x, dtype)), `${spec.elementwise.kernel} on ${dtype}`);
      });
    }
  }
});
