import { afterEach, describe, expect, it } from 'vitest';
import { Generator, randn, setDefaultDevice, tensor, type Device, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, Linear, ReLU, Sequential, crossEntropy, saveModule } from '@tapegrad/nn';
import { Adam, SGD, type Optimizer } from '@tapegrad/optim';
import { ASYNC } from '../../core/test/stand-in-devices.js';

// module.to and optimizer state across devices, on the CPU: 'async' is the
// CPU's backend relabelled as a device read only asynchronously, as a GPU is
// (packages/nn/test/webgpu runs the same on WebGPU).


afterEach(() => setDefaultDevice('cpu'));

const model = (): Sequential => new Sequential(new Linear(4, 8, { generator: new Generator(1) }), new BatchNorm1d(8), new ReLU(), new Linear(8, 3, { generator: new Generator(2) }));
const batch = (): { x: Tensor; y: Tensor } => ({ x: randn([6, 4], { generator: new Generator(3) }), y: tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' }) });

/** One training step of `m` with `opt`, the batch moved to the model's device. */
function step(m: Sequential, opt: Optimizer): void {
  const { x, y } = batch();
  const device = m.parameters()[0]!.device;
  opt.zeroGrad();
  crossEntropy(m.forward(x.to(device)), y.to(device)).backward();
  opt.step();
}

async function valuesOf(m: Sequential): Promise<number[][]> {
  return Promise.all(Object.values(m.stateDict()).map(async (t) => Array.from(await t.dataAsync(), Number)));
}

describe('Module.to', () => {
  it('moves parameters, buffers and gradients in place: the same tensor objects, the same values', async () => {
    const m = model();
    step(m, new SGD(m.parameters(), { lr: 0.1 }));
    const params = m.parameters();
    const before = await valuesOf(m);
    const grads = params.map((p) => p.grad!);
    const gradValues = grads.map((g) => Array.from(g.data));
    expect(m.to(ASYNC)).toBe(m);
    expect(m.parameters()).toEqual(params);
    m.parameters().forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect([p.device, p.requiresGrad, p.isLeaf]).toEqual(['async', true, true]);
      expect(p.grad).toBe(grads[i]);
      expect(p.grad!.device).toBe('async');
    });
    expect(m.buffers().map((b) => b.device)).toEqual(['async', 'async', 'async']);
    expect(await valuesOf(m)).toEqual(before);
    expect(await Promise.all(grads.map(async (g) => Array.from(await g.dataAsync())))).toEqual(gradValues);

    // Back: only asynchronously, and a refused synchronous move changes nothing.
    expect(() => m.to('cpu')).toThrow(/to: moving a tensor .* from 'async' to 'cpu' .*toAsync\('cpu'\)/);
    expect(m.parameters().every((p) => p.device === ASYNC)).toBe(true);
    expect(await m.toAsync('cpu')).toBe(m);
    expect([...m.parameters(), ...m.buffers()].every((t) => t.device === 'cpu')).toBe(true);
    expect(await valuesOf(m)).toEqual(before);
    expect(m.parameters()[0]).toBe(params[0]);
  });

  it('checks its device', async () => {
    expect(() => model().to('float32' as Device)).toThrow("Module.to: expected a device ('cpu' or 'webgpu'), got 'float32'");
    await expect(model().toAsync('cuda' as Device)).rejects.toThrow(/Module\.toAsync: expected a device/);
  });
});

describe('optimizer state follows its parameters', () => {
  for (const [name, make] of [
    ['SGD with momentum', (p: Tensor[]) => new SGD(p, { lr: 0.1, momentum: 0.9 })],
    ['Adam', (p: Tensor[]) => new Adam(p, { lr: 0.01 })],
  ] as const) {
    it(`${name}: the same steps on one device and across moves give the same parameters`, async () => {
      const reference = model();
      const refOpt = make(reference.parameters());
      for (let k = 0; k < 4; k++) step(reference, refOpt);

      const m = model();
      const opt = make(m.parameters());
      step(m, opt); // state made on the CPU
      m.to(ASYNC);
      step(m, opt); // the state follows, synchronously
      for (const s of opt.state.values()) for (const v of Object.values(s)) if (typeof v === 'object') expect(v.device).toBe('async');
      await m.toAsync('cpu');
      // state on 'async' cannot follow synchronously: no parameter is updated
      const before = m.parameters().map((p) => Array.from(p.data));
      expect(() => opt.step()).toThrow(/\.step: the state '\w+' of parameter 0 .* is on 'async' but the parameter is now on 'cpu'.*await opt\.moveStateAsync\(\)/);
      expect(m.parameters().map((p) => Array.from(p.data))).toEqual(before);
      expect(() => opt.stateDict()).toThrow(/stateDict: the state .* is on 'async'.*await model\.toAsync\('cpu'\); await opt\.moveStateAsync\(\)/);
      await opt.moveStateAsync();
      step(m, opt);
      step(m, opt);
      const got = await valuesOf(m);
      const want = await valuesOf(reference);
      got.forEach((v, i) => v.forEach((x, j) => expect(Math.abs(x - want[i]![j]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]![j]!)))));
      // and the saved state reloads onto the parameters' device
      const saved = opt.stateDict();
      m.to(ASYNC);
      const again = make(m.parameters());
      again.loadStateDict(saved);
      for (const s of again.state.values()) for (const v of Object.values(s)) if (typeof v === 'object') expect(v.device).toBe('async');
    });
  }

  it('a gradient left on another device is named at step', () => {
    const w = tensor([1, 2], { requiresGrad: true, device: ASYNC });
    w.grad = tensor([1, 1]);
    expect(() => new SGD([w], { lr: 0.1 }).step()).toThrow("SGD.step: the gradient of parameter 0 (shape [2]) is on 'cpu' but the parameter is on 'async'");
  });

  it('saving weights needs them on the CPU', async () => {
    const m = model().to(ASYNC);
    expect(() => saveModule(m)).toThrow(/saveSafetensors: tensor '0.weight' \(shape \[8, 4\]\) is on 'async'.*await model.toAsync\('cpu'\)/);
    await m.toAsync('cpu');
    expect(saveModule(m).length).toBeGreaterThan(0);
  });
});
