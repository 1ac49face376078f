import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError, getBackend, getDefaultDevice, noGrad, ones, randn, setBackend, setDefaultDevice, tensor, where, zeros, zerosLike, type Backend, type Tensor } from '@tapegrad/core';
import { expectClose } from './compare.js';
import { fileDevice } from './gpu-device.js';

// Devices with a real GPU: tensors on the CPU and on WebGPU side by side,
// moved both ways with their values and gradients checked against the same
// computation on the CPU alone.

const setup = await fileDevice();
const gpu = setup.backend;

const read = async (t: Tensor): Promise<number[]> => Array.from(await t.dataAsync(), Number);

describe.skipIf(gpu === null)('devices with webgpu', () => {
  let cpu: Backend;
  beforeAll(() => {
    cpu = getBackend();
    setBackend(gpu!); // registers the GPU and makes it the default
    setDefaultDevice('cpu');
  });
  afterEach(() => {
    setDefaultDevice('cpu');
    expect(setup.errors.splice(0)).toEqual([]);
  });
  afterAll(() => setBackend(cpu));

  it('creates on the default device, or on the one asked for; …Like follows its model tensor', () => {
    expect(getDefaultDevice()).toBe('cpu');
    expect(ones([2]).device).toBe('cpu');
    const g = zeros([2, 2], { device: 'webgpu' });
    expect(g.device).toBe('webgpu');
    expect(zerosLike(g).device).toBe('webgpu');
    setDefaultDevice('webgpu');
    expect(randn([3]).device).toBe('webgpu');
    expect(getBackend()).toBe(gpu);
  });

  it('moves values to the GPU synchronously and back asynchronously, every GPU dtype, strided views', async () => {
    const x = tensor([[1.5, -2, 3], [4, 5, -6]]).mT;
    const g = x.to('webgpu');
    expect([g.device, g.dtype]).toEqual(['webgpu', 'float32']);
    expect(await g.toArrayAsync()).toEqual([[1.5, 4], [-2, 5], [3, -6]]);
    const back = await g.mul(2).toAsync('cpu');
    expect(back.device).toBe('cpu');
    expect(back.toArray()).toEqual([[3, 8], [-4, 10], [6, -12]]);
    for (const t of [tensor([7, -3, 0], { dtype: 'int32' }), tensor([true, false, true])]) {
      const there = t.to('webgpu');
      expect(there.device).toBe('webgpu');
      const again = await there.toAsync('cpu');
      expect(again.dtype).toBe(t.dtype);
      expect(again.toArray()).toEqual(t.toArray());
    }
    // float64 is converted on the CPU side, where it lives
    const d = tensor([0.1, 2.5], { dtype: 'float64' });
    const f = d.to('webgpu', 'float32');
    expect([f.device, f.dtype]).toEqual(['webgpu', 'float32']);
    const w = await f.toAsync('cpu', 'float64');
    expect([w.device, w.dtype]).toEqual(['cpu', 'float64']);
    expect(w.toArray()).toEqual([Math.fround(0.1), 2.5]);
    expect(g.to('webgpu')).toBe(g);
  });

  it('refuses a synchronous read move, a GPU move of a CPU tensor that requires grad, and mixed operands, each naming what to do', () => {
    const g = ones([2], { device: 'webgpu' });
    expect(() => g.to('cpu')).toThrow(DeviceError);
    expect(() => g.to('cpu')).toThrow("use await x.toAsync('cpu')");
    const x = randn([2]).requiresGrad_();
    expect(() => x.to('webgpu')).toThrow(/requires grad.*model\.to\('webgpu'\).*x\.detach\(\)\.to\('webgpu'\)\.requiresGrad_\(\)/);
    expect(() => g.add(ones([2]))).toThrow("add: expected all operands on one device, but operand 0 (shape [2]) is on 'webgpu' and operand 1 (shape [2]) is on 'cpu'");
    expect(() => ones([2]).copy_(g)).toThrow(/copy_: .*toAsync/);
  });

  it('ops with plain numbers run on the GPU whatever the default device', async () => {
    const g = tensor([1, -2, 3, -4], { device: 'webgpu' });
    expect(await read(g.mul(2).add(1))).toEqual([3, -3, 7, -7]);
    expect(await read(where(g.gt(0), 1, 0))).toEqual([1, 0, 1, 0]);
    const h = g.clone();
    h.clamp_(-3, 2).add_(tensor([1, 1, 1, 1], { device: 'webgpu' }), 0.5).mul_(2);
    expect(await read(h)).toEqual([3, -3, 5, -5]);
    h.fill_(7);
    expect(await read(h)).toEqual([7, 7, 7, 7]);
    h.copy_(tensor([1, 2, 3, 4]));
    expect(await read(h)).toEqual([1, 2, 3, 4]);
  });

  it('gradients flow across moves as on the CPU alone', async () => {
    const values = [0.5, -1.5, 2, 0.25, -0.75, 1];
    const weight = tensor([1, -2, 3, 0.5, 4, -1]);
    // CPU alone
    const a = tensor(values, { requiresGrad: true });
    a.tanh().mul(a).mul(weight).sum().backward();
    // the leaf on the GPU, the loss on the CPU
    const b = tensor(values, { device: 'webgpu' }).requiresGrad_();
    const onCpu = await b.tanh().mul(b).toAsync('cpu');
    onCpu.mul(weight).sum().backward();
    expect(b.grad!.device).toBe('webgpu');
    expectClose(await read(b.grad!), Array.from(a.grad!.data, Number), 'gradient through toAsync');
    // the leaf on the CPU, moved without history, then on the GPU
    const c = tensor(values).detach().to('webgpu').requiresGrad_();
    c.tanh().mul(c).mul(weight.to('webgpu')).sum().backward();
    expectClose(await read(c.grad!), Array.from(a.grad!.data, Number), 'gradient of a moved leaf');
  });

  it('set_ moves a leaf in place', async () => {
    const w = randn([3, 2]).requiresGrad_();
    const before = w.toArray();
    noGrad(() => w.set_(w.to('webgpu')));
    expect([w.device, w.isLeaf, w.requiresGrad]).toEqual(['webgpu', true, true]);
    expect(await w.toArrayAsync()).toEqual(before);
  });
});
