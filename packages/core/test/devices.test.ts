import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceError,
  arange,
  getBackend,
  getDefaultDevice,
  isDeviceName,
  noGrad,
  ones,
  onesLike,
  randn,
  randnLike,
  setDefaultDevice,
  tensor,
  where,
  zeros,
  zerosLike,
  type Tensor,
} from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { ASYNC, SYNC, asyncDevice } from './stand-in-devices.js';

// The device model, on the CPU: two backends over the CPU's kernels stand in
// for other devices. 'sync' is read synchronously; 'async' only
// asynchronously, as a GPU is, so every rule a GPU obeys is exercised here
// without one (packages/*/test/webgpu run the same on WebGPU).

const cpu = getBackend();

afterEach(() => setDefaultDevice('cpu'));

/** The values of a tensor on any device. */
const valuesOf = async (t: Tensor): Promise<number[]> => Array.from(await t.dataAsync(), Number);

describe('the device model', () => {
  it('a tensor is on the device of its backend; the CPU is the default', () => {
    expect(getDefaultDevice()).toBe('cpu');
    expect(tensor([1, 2]).device).toBe('cpu');
    expect(zeros([2], { device: ASYNC }).device).toBe('async');
    expect(isDeviceName('cpu') && isDeviceName('webgpu') && isDeviceName('async')).toBe(true);
    expect(isDeviceName('float32')).toBe(false);
  });

  it('setBackend registers a backend and makes its device the default; setDefaultDevice switches', () => {
    setDefaultDevice(ASYNC);
    expect(getDefaultDevice()).toBe('async');
    expect(getBackend()).toBe(asyncDevice);
    expect(randn([3]).device).toBe('async');
    expect(arange(3).device).toBe('async');
    setDefaultDevice('cpu');
    expect(getBackend()).toBe(cpu);
    expect(ones([3]).device).toBe('cpu');
  });

  it('creation functions take a device; the …Like ones default to their model tensor\'s', async () => {
    const a = tensor([[1, 2], [3, 4]], { device: ASYNC });
    expect(await a.toArrayAsync()).toEqual([[1, 2], [3, 4]]);
    expect(zerosLike(a).device).toBe('async');
    expect(onesLike(a, { dtype: 'int32' }).device).toBe('async');
    expect(randnLike(a).device).toBe('async');
    expect(zerosLike(a, { device: 'cpu' }).device).toBe('cpu');
  });

  it('an op runs on its operands\' device whatever the default, plain numbers included', async () => {
    const a = tensor([1, -2, 3], { device: ASYNC });
    const b = a.mul(2).add(1).maximum(0);
    expect(b.device).toBe('async');
    expect(await valuesOf(b)).toEqual([3, 0, 7]);
    expect(await valuesOf(where(a.gt(0), 1, 0))).toEqual([1, 0, 1]);
    expect(where(a.gt(0), 1, 0).device).toBe('async');
    // in place, with a number and with a tensor of the device
    a.mul_(3).add_(tensor([1, 1, 1], { device: ASYNC }));
    expect(await valuesOf(a)).toEqual([4, -5, 10]);
    expect(await valuesOf(a.sum())).toEqual([9]);
  });

  it('an op on two devices throws, naming the op, the shapes and both devices', () => {
    const a = ones([2, 3], { device: ASYNC });
    expect(() => a.add(ones([3]))).toThrow(DeviceError);
    expect(() => a.add(ones([3]))).toThrow("add: expected all operands on one device, but operand 0 (shape [2, 3]) is on 'async' and operand 1 (shape [3]) is on 'cpu'");
  });
});

describe('to and toAsync', () => {
  it('moving to the same device returns the tensor itself', async () => {
    const x = randn([2]);
    expect(x.to('cpu')).toBe(x);
    expect(await x.toAsync('cpu')).toBe(x);
    const y = x.to(ASYNC);
    expect(y.to(ASYNC)).toBe(y);
  });

  it('moves values both ways, of every dtype, strided views included', async () => {
    const x = tensor([[1.5, -2, 3], [4, 5, -6]]).mT; // a transpose: not contiguous
    const there = x.to(ASYNC);
    expect(there.device).toBe('async');
    expect(there.shape).toEqual([3, 2]);
    const back = await there.toAsync('cpu');
    expect(back.device).toBe('cpu');
    expect(back.toArray()).toEqual([[1.5, 4], [-2, 5], [3, -6]]);
    for (const t of [tensor([1, -7], { dtype: 'int32' }), tensor([true, false]), tensor([0.1, 1e300], { dtype: 'float64' })]) {
      const moved = await t.to(ASYNC).toAsync('cpu');
      expect(moved.dtype).toBe(t.dtype);
      expect(moved.toArray()).toEqual(t.toArray());
    }
  });

  it('converts the dtype with the move, on the CPU side', async () => {
    const x = tensor([1.25, 2.5], { dtype: 'float64' });
    const y = x.to(ASYNC, 'float32');
    expect([y.device, y.dtype]).toEqual(['async', 'float32']);
    const z = await y.toAsync('cpu', 'float64');
    expect([z.device, z.dtype]).toEqual(['cpu', 'float64']);
    expect(z.toArray()).toEqual([1.25, 2.5]);
    expect(x.to('cpu', 'int32').toArray()).toEqual([1, 2]);
  });

  it('a synchronous move off a device read asynchronously names toAsync', () => {
    const y = ones([2], { device: ASYNC });
    expect(() => y.to('cpu')).toThrow(DeviceError);
    expect(() => y.to('cpu')).toThrow("to: moving a tensor of shape [2] (float32) from 'async' to 'cpu' reads 'async', which can only be read asynchronously; use await x.toAsync('cpu')");
  });

  it('the value moved is the one at the call, even if the source changes before the read completes', async () => {
    const y = tensor([1, 2], { device: ASYNC });
    const pending = y.toAsync('cpu');
    y.add_(10);
    expect((await pending).toArray()).toEqual([1, 2]);
  });

  it('gradients flow back through moves whose way back is synchronous (checked by finite differences)', () => {
    const x = randn([2, 3], { dtype: 'float64' }).requiresGrad_();
    gradcheck((t) => t.to(SYNC).mul(t.to(SYNC)).sin().sum(1).to('cpu'), [x]);
    const y = x.to(SYNC);
    expect(y.requiresGrad && !y.isLeaf).toBe(true);
    y.square().sum().backward();
    expect(x.grad!.device).toBe('cpu');
    assertAllClose(x.grad!, x.detach().mul(2));
  });

  it('the gradient of a move from a device read asynchronously is an upload back to it', async () => {
    const w = tensor([1, -2, 3], { device: ASYNC, requiresGrad: true });
    const onCpu = await w.mul(2).toAsync('cpu');
    expect(onCpu.requiresGrad).toBe(true);
    onCpu.mul(tensor([1, 10, 100])).sum().backward();
    expect(w.grad!.device).toBe('async');
    expect(await valuesOf(w.grad!)).toEqual([2, 20, 200]);
  });

  it('refuses, at the call, a move onto a device read asynchronously of a tensor that requires grad', async () => {
    const x = randn([2]).requiresGrad_();
    expect(() => x.to(ASYNC)).toThrow(/to: a tensor of shape \[2\] \(float32\) on 'cpu' requires grad.*x\.detach\(\)\.to\('async'\)\.requiresGrad_\(\)/);
    await expect(x.toAsync(ASYNC)).rejects.toThrow(DeviceError);
    // what the message proposes works
    const leaf = x.detach().to(ASYNC).requiresGrad_();
    leaf.sum().backward();
    expect(await valuesOf(leaf.grad!)).toEqual([1, 1]);
    expect(noGrad(() => x.to(ASYNC)).requiresGrad).toBe(false);
  });
});

describe('copy_ and set_ across devices', () => {
  it('copy_ moves a source of another device, where the move is synchronous', async () => {
    const dst = zeros([2, 2], { device: ASYNC });
    dst.copy_(tensor([1, 2]));
    expect(await dst.toArrayAsync()).toEqual([[1, 2], [1, 2]]);
    expect(() => zeros([2]).copy_(dst.select(0, 0))).toThrow(/copy_: .*toAsync\('cpu'\)/);
  });

  it('set_ keeps the tensor object and takes the source\'s storage and device', async () => {
    const w = randn([2, 3]).requiresGrad_();
    const before = w.toArray();
    const g = w;
    w.set_(noGrad(() => w.to(ASYNC)));
    expect(w).toBe(g);
    expect(w.device).toBe('async');
    expect(w.requiresGrad && w.isLeaf).toBe(true);
    expect(await w.toArrayAsync()).toEqual(before);
  });

  it('set_ makes graphs that saved the tensor see it as modified', () => {
    const w = randn([2]).requiresGrad_();
    const y = w.mul(w).sum();
    w.set_(w.detach().to(SYNC));
    expect(() => y.backward()).toThrow(/modified by an in-place op/);
  });
});
