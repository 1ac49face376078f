import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError, Generator, getBackend, ones, randn, setBackend, setDefaultDevice, tensor, type Backend, type Device, type Tensor } from '@tapegrad/core';
import { LayerNorm, Linear, ReLU, Sequential, crossEntropy, dropout, layerNorm } from '@tapegrad/nn';
import { Adam, SGD, clipGradNorm, type Optimizer } from '@tapegrad/optim';
import { expectClose } from '../../../core/test/webgpu/compare.js';
import { fileDevice } from '../../../core/test/webgpu/gpu-device.js';

// nn and optim across devices with a real GPU: a model moved to WebGPU with
// module.to and trained by an optimizer made before the move matches the
// same steps on the CPU; layerNorm, dropout and clipGradNorm on the GPU
// match the CPU.

const setup = await fileDevice();
const gpu = setup.backend;

const read = async (t: Tensor): Promise<number[]> => Array.from(await t.dataAsync(), Number);

describe.skipIf(gpu === null)('nn and optim across devices on webgpu', () => {
  let cpu: Backend;
  beforeAll(() => {
    cpu = getBackend();
    setBackend(gpu!);
    setDefaultDevice('cpu');
  });
  afterEach(() => {
    setDefaultDevice('cpu');
    expect(setup.errors.splice(0)).toEqual([]);
  });
  afterAll(() => setBackend(cpu));

  const model = (): Sequential => new Sequential(new Linear(12, 16, { generator: new Generator(1) }), new LayerNorm(16), new ReLU(), new Linear(16, 4, { generator: new Generator(2) }));
  const x = randn([8, 12], { generator: new Generator(3) });
  const y = tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: 'int32' });

  function step(m: Sequential, opt: Optimizer, device: Device): void {
    opt.zeroGrad();
    crossEntropy(m.forward(x.to(device)), y.to(device)).backward();
    opt.step();
  }

  const paramsOf = (m: Sequential): Promise<number[][]> => Promise.all(m.parameters().map(read));

  for (const [name, make] of [
    ['SGD with momentum and weight decay', (p: Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 1e-2 })],
    ['Adam', (p: Tensor[]) => new Adam(p, { lr: 1e-2 })],
  ] as const) {
    it(`module.to('webgpu') with ${name} made before the move: the same steps as on the CPU`, async () => {
      const reference = model();
      const refOpt = make(reference.parameters());
      for (let k = 0; k < 6; k++) step(reference, refOpt, 'cpu');

      const m = model();
      const params = m.parameters();
      const opt = make(params);
      step(m, opt, 'cpu'); // the state is made on the CPU
      m.to('webgpu');
      expect(m.parameters().every((p, i) => p === params[i] && p.device === 'webgpu' && p.grad?.device === 'webgpu')).toBe(true);
      for (let k = 0; k < 3; k++) step(m, opt, 'webgpu'); // and follows its parameters
      for (const s of opt.state.values()) for (const v of Object.values(s)) if (typeof v === 'object') expect(v.device).toBe('webgpu');
      await m.toAsync('cpu');
      expect(() => opt.step()).toThrow(DeviceError);
      await opt.moveStateAsync();
      for (let k = 0; k < 2; k++) step(m, opt, 'cpu');
      const got = await paramsOf(m);
      const want = await paramsOf(reference);
      got.forEach((p, i) => expectClose(p, want[i]!, `${name}: parameter ${i} after 6 steps`, 1e-4, 1e-5));
    });
  }

  it('layerNorm on the GPU (scaled float32 statistics) matches float64 statistics on the CPU, forward and backward, up to the float32 maximum', async () => {
    const run = async (device: Device, data: Float32Array, dtype: 'float32' | 'float64' = 'float32'): Promise<number[][]> => {
      const xt = tensor(data, { shape: [3, 4], device, dtype }).requiresGrad_();
      const w = tensor([0.5, 1, -1, 2], { device, dtype }).requiresGrad_();
      const b = tensor([0, 0.1, 0.2, 0.3], { device, dtype }).requiresGrad_();
      const out = layerNorm(xt, [4], w, b);
      out.mul(tensor(Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), { shape: [3, 4], device, dtype })).sum().backward();
      return Promise.all([out, xt.grad!, w.grad!, b.grad!].map(read));
    };
    const random = randn([12], { generator: new Generator(5) }).mul(30).add(7).data as Float32Array;
    for (const data of [random, ...[3.4e38, 1e20, 1, 1e-3].map((s) => Float32Array.of(s, -s, 0, s / 2, s, s, s, s, 0, 0, 0, 0))]) {
      const want = await run('cpu', data, 'float64');
      const got = await run('webgpu', data);
      ['output', 'input gradient', 'weight gradient', 'bias gradient'].forEach((what, i) => {
        for (const v of got[i]!) expect(Number.isFinite(v), `${what} finite`).toBe(true);
        expectClose(got[i]!, want[i]!, `layerNorm ${what} (${data[0]})`, 1e-4, 1e-5);
      });
    }
  });

  it('dropout on the GPU draws the same mask as on the CPU, and its gradient is the mask', async () => {
    const want = dropout(ones([4, 64]), 0.25, { generator: new Generator(6) });
    const g = ones([4, 64], { device: 'webgpu' }).requiresGrad_();
    const got = dropout(g, 0.25, { generator: new Generator(6) });
    expect(got.device).toBe('webgpu');
    expect(await read(got)).toEqual(Array.from(want.data, Number));
    got.sum().backward();
    expect(await read(g.grad!)).toEqual(Array.from(want.data, Number));
  });

  for (const normType of [2, Infinity, 3]) {
    it(`clipGradNorm on the GPU reads nothing back and matches the CPU (p = ${normType})`, async () => {
      const gradsOn = (device: Device): Tensor[] => {
        const gen = new Generator(8);
        return [[5, 3], [7], [2, 2, 2]].map((shape) => {
          const p = randn(shape, { generator: gen, device }).requiresGrad_();
          p.grad = randn(shape, { generator: gen, device }).mul(1e19);
          return p;
        });
      };
      const cpuParams = gradsOn('cpu');
      const gpuParams = gradsOn('webgpu');
      const want = clipGradNorm(cpuParams, 1e19, normType);
      const got = clipGradNorm(gpuParams, 1e19, normType);
      expect(got.device).toBe('webgpu');
      expectClose(await read(got), [want.item()], 'total norm', 1e-5, 0);
      for (const [i, p] of gpuParams.entries()) expectClose(await read(p.grad!), Array.from(cpuParams[i]!.grad!.data, Number), `gradient ${i}`, 1e-5, 0);
      expect(() => clipGradNorm(gpuParams, 1, normType, { errorIfNonfinite: true })).toThrow(DeviceError);
    });
  }
});
