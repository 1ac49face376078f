import { afterEach, describe, expect, it } from 'vitest';
import { Generator, ones, randn, setDefaultDevice, tensor, type Device, type Tensor } from '@tapegrad/core';
import { dropout, layerNorm } from '@tapegrad/nn';
import { clipGradNorm } from '@tapegrad/optim';
import { ASYNC, SYNC } from '../../core/test/stand-in-devices.js';

// layerNorm, dropout and clipGradNorm off the CPU, on the CPU: 'async' is
// the CPU's backend relabelled as a device read only asynchronously and
// taken for one without float64, as a GPU is. Each is compared with the
// CPU's result (packages/nn/test/webgpu runs the same on WebGPU).


afterEach(() => setDefaultDevice('cpu'));

const read = async (t: Tensor): Promise<number[]> => Array.from(await t.dataAsync(), Number);

function expectClose(got: readonly number[], want: readonly number[], what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!) <= atol + rtol * Math.abs(want[i]!), `${what}[${i}]: ${g} vs ${want[i]}`).toBe(true));
}

/** layerNorm of `x` over its last dim with an affine transform, and the gradients of out·w, on `device` in `dtype`. */
async function layerNormOn(device: Device, x: Float32Array, shape: number[], dtype: 'float32' | 'float64' = 'float32'): Promise<number[][]> {
  const d = shape[shape.length - 1]!;
  const xt = tensor(x, { shape, device, dtype }).requiresGrad_();
  const weight = tensor(Float32Array.from({ length: d }, (_, i) => 0.5 + i / d), { device, dtype }).requiresGrad_();
  const bias = tensor(Float32Array.from({ length: d }, (_, i) => i / 10 - 0.2), { device, dtype }).requiresGrad_();
  const y = layerNorm(xt, [d], weight, bias);
  const w = tensor(Float32Array.from({ length: x.length }, (_, i) => Math.sin(i + 1)), { shape, device, dtype });
  y.mul(w).sum().backward();
  return Promise.all([y, xt.grad!, weight.grad!, bias.grad!].map(read));
}

describe('layerNorm on a device read asynchronously (every slice scaled)', () => {
  it('matches float64 statistics on random inputs, forward and backward', async () => {
    const g = new Generator(7);
    for (const [shape, scale] of [[[4, 16], 1], [[3, 33], 100], [[2, 5], 1e-3]] as const) {
      const x = randn([...shape], { generator: g }).mul(scale).add(scale * 0.3).data as Float32Array;
      const want = await layerNormOn('cpu', x, [...shape], 'float64');
      const got = await layerNormOn(ASYNC, x, [...shape]);
      ['output', 'input gradient', 'weight gradient', 'bias gradient'].forEach((what, i) => expectClose(got[i]!, want[i]!, `${what} at scale ${scale}`, 2e-5, 2e-5));
    }
  });

  it('stays exact and finite near the float32 maximum, for constant slices and zeros', async () => {
    const max = 3.4028234663852886e38;
    for (const scale of [max, 1e30, 1e20, 1, 1e-20]) {
      const x = Float32Array.of(scale, -scale, 0, scale / 2, scale, scale, scale, scale, 0, 0, 0, 0);
      const want = await layerNormOn('cpu', x, [3, 4], 'float64');
      const got = await layerNormOn(ASYNC, x, [3, 4]);
      for (const v of got.flat()) expect(Number.isFinite(v), `scale ${scale}`).toBe(true);
      // a constant slice's gradient is 1/√ε·(g − mean g): ε must not be lost next to s²
      ['output', 'input gradient', 'weight gradient', 'bias gradient'].forEach((what, i) => expectClose(got[i]!, want[i]!, `${what} at scale ${scale}`, 1e-5, 1e-5));
    }
  });
});

describe('dropout on another device', () => {
  it('draws the same mask from a generator on every device, and its gradient is the mask', async () => {
    const want = dropout(ones([6, 50]), 0.3, { generator: new Generator(4) });
    const x = ones([6, 50], { device: ASYNC }).requiresGrad_();
    const got = dropout(x, 0.3, { generator: new Generator(4) });
    expect(got.device).toBe('async');
    expect(await read(got)).toEqual(Array.from(want.data, Number));
    got.sum().backward();
    expect(await read(x.grad!)).toEqual(Array.from(want.data, Number));
  });
});

describe('clipGradNorm on another device', () => {
  function gradsOn(device: Device): Tensor[] {
    const g = new Generator(9);
    return [[3, 4], [5], [2, 2, 2]].map((shape) => {
      const p = randn(shape, { generator: g, device }).requiresGrad_();
      p.grad = randn(shape, { generator: g, device }).mul(3);
      return p;
    });
  }

  for (const normType of [2, 1, 3, Infinity]) {
    it(`returns the norm as a tensor on the gradients' device and scales them as on the CPU (p = ${normType})`, async () => {
      const cpuParams = gradsOn('cpu');
      const params = gradsOn(ASYNC);
      const want = clipGradNorm(cpuParams, 2, normType);
      const got = clipGradNorm(params, 2, normType);
      expect(got.device).toBe('async');
      expectClose(await read(got), [want.item()], 'norm');
      for (const [i, p] of params.entries()) expectClose(await read(p.grad!), Array.from(cpuParams[i]!.grad!.data, Number), `grad ${i}`);
    });
  }

  it('combines gradients of two devices read synchronously, and refuses a mix with one read asynchronously', async () => {
    const a = tensor([0, 0], { requiresGrad: true });
    a.grad = tensor([3, 0]);
    const b = tensor([0], { requiresGrad: true, device: SYNC });
    b.grad = tensor([4], { device: SYNC });
    const total = clipGradNorm([a, b], 1);
    expect(total.device).toBe('cpu');
    expectClose(await read(total), [5], 'norm');
    expectClose(Array.from(a.grad.data, Number), [0.6, 0], 'cpu grad');
    expectClose(await read(b.grad), [0.8], 'other grad');
    const c = tensor([0], { requiresGrad: true, device: ASYNC });
    c.grad = tensor([4], { device: ASYNC });
    expect(() => clipGradNorm([a, c], 1)).toThrow("clipGradNorm: the gradients are on 'cpu' and 'async'");
    expectClose(Array.from(a.grad.data, Number), [0.6, 0], 'cpu grad unchanged');
  });

  it('errorIfNonfinite needs a synchronous read: refused on a device without one, before anything is scaled', async () => {
    const params = gradsOn(ASYNC);
    const before = await read(params[0]!.grad!);
    expect(() => clipGradNorm(params, 0.1, 2, { errorIfNonfinite: true })).toThrow(/clipGradNorm: errorIfNonfinite reads the total norm, but the gradients are on 'async'.*itemAsync/);
    expect(await read(params[0]!.grad!)).toEqual(before);
  });
});
