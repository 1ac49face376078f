import * as fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend, tensor, type Backend, type Tensor, type TypedArray } from '@tapegrad/core';
import { opSpecs } from '../op-specs.js';
import { expectClose } from './compare.js';
import { fileDevice } from './gpu-device.js';

// Every row of the op specs, forward and backward, on the webgpu backend in
// float32 against the reference backend in float32: the float64 inputs the
// rows make are converted to float32 (integer inputs, such as indices, are
// kept), and the gradients are those of `out.mul(w).sum()` for a fixed
// random `w`.

const setup = await fileDevice();
const gpu = setup.backend;
const SEED = 20261206;
const RUNS = 5;

interface Operand {
  readonly data: TypedArray;
  readonly shape: number[];
}

interface Result {
  readonly out: TypedArray;
  readonly shape: readonly number[];
  readonly grads: (TypedArray | null)[];
}

/** A fixed pseudo-random weight in [-1, 1) per element. */
function weights(n: number, seed: number): Float32Array {
  const w = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    w[i] = (s / 2147483648) * 2 - 1;
  }
  return w;
}

/** Runs a row on the active backend: the output, and the gradients of `out·w` summed where it is differentiable. */
async function runOn(fn: (...xs: Tensor[]) => Tensor, operands: readonly Operand[], differentiable: boolean, seed: number): Promise<Result> {
  const xs = operands.map((o) => tensor(o.data.slice(), { shape: o.shape }));
  if (differentiable) xs.forEach((x) => x.dtype === 'float32' && x.requiresGrad_(true));
  const out = fn(...xs);
  if (differentiable) out.mul(tensor(weights(out.numel, seed), { shape: [...out.shape] })).sum().backward();
  return {
    out: await out.dataAsync(),
    shape: out.shape,
    grads: await Promise.all(xs.map((x) => (x.grad === null ? null : x.grad.dataAsync()))),
  };
}

/**
 * A float64 input as float32, subnormals flushed to a zero of their sign:
 * WGSL lets a GPU flush them (SwiftShader does), the reference keeps them.
 */
function toFloat32(data: TypedArray): Float32Array {
  const out = Float32Array.from(data);
  for (let i = 0; i < out.length; i++) if (out[i] !== 0 && Math.abs(out[i]!) < 2 ** -126) out[i] = out[i]! < 0 ? -0 : 0;
  return out;
}

/** The inputs of a row, made on the reference backend: float64 ones as float32. */
function sample(arb: fc.Arbitrary<Tensor[]>, seed: number): Operand[][] {
  return fc.sample(arb, { seed, numRuns: RUNS }).map((xs) => xs.map((x) => ({ data: x.dtype === 'float64' ? toFloat32(x.data) : x.data, shape: [...x.shape] })));
}

describe.skipIf(gpu === null)('every op spec runs forward and backward on webgpu in float32', () => {
  let previous: Backend;
  afterEach(() => {
    setBackend(previous);
    expect(setup.errors.splice(0)).toEqual([]);
  });
  afterAll(() => setBackend(previous));

  opSpecs.forEach((spec, row) => {
    const differentiable = spec.differentiable !== false;
    it(`${spec.name}${differentiable ? ': forward and gradients' : ': forward'}`, async () => {
      previous = getBackend();
      setBackend('js');
      const cases = sample(spec.inputs, SEED + row);
      for (const [k, operands] of cases.entries()) {
        setBackend('js');
        const want = await runOn(spec.fn, operands, differentiable, SEED + k);
        setBackend(gpu!);
        const got = await runOn(spec.fn, operands, differentiable, SEED + k);
        const what = `${spec.name} #${k} (${operands.map((o) => `[${o.shape.join(',')}]`).join(' ')})`;
        expect(got.shape, `${what}: shape`).toEqual(want.shape);
        expect(got.out.constructor, `${what}: dtype`).toBe(want.out.constructor);
        expectClose(got.out, want.out, `${what}: output`, 2e-4, 2e-5);
        for (const [i, g] of want.grads.entries()) {
          if (g === null) expect(got.grads[i], `${what}: no gradient of input ${i}`).toBeNull();
          else expectClose(got.grads[i]!, g, `${what}: gradient of input ${i}`, 2e-4, 2e-5);
        }
      }
    });
  });
});
