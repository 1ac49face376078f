import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, getBackend, setBackend, tensor, type Backend, type Tensor } from '@tapegrad/core';
import { Linear, ReLU, Sequential, crossEntropy, softmax } from '@tapegrad/nn';
import { SGD } from '@tapegrad/optim';
import { expectClose } from '../../../core/test/webgpu/compare.js';
import { fileDevice } from '../../../core/test/webgpu/gpu-device.js';

// nn on the webgpu backend: softmax and cross-entropy where the logits
// overflow a naive exp, and a small MLP trained for 200 steps whose GPU
// memory stays flat once warm.

const setup = await fileDevice();
const gpu = setup.backend;

const LOGITS = [
  [1000, -1000, 0, 1],
  [-1000, -1000, -1000, -1000],
  [1000, 1000, -1000, 999],
];
const TARGET = [0, 3, 2];

/** softmax and crossEntropy of LOGITS on the active backend, with crossEntropy's gradient. */
async function stable(): Promise<{ probs: Float32Array; loss: Float32Array; grad: Float32Array }> {
  const x = tensor(LOGITS).requiresGrad_(true);
  const probs = softmax(x, -1);
  const loss = crossEntropy(x, tensor(TARGET, { dtype: 'int32' }));
  loss.backward();
  return { probs: (await probs.dataAsync()) as Float32Array, loss: (await loss.dataAsync()) as Float32Array, grad: (await x.grad!.dataAsync()) as Float32Array };
}

/** Random float32 data in [-1, 1). */
function uniform(g: Generator, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => g.nextFloat() * 2 - 1), { shape });
}

describe.skipIf(gpu === null)('nn on webgpu', () => {
  let previous: Backend;
  beforeEach(() => {
    previous = getBackend();
  });
  afterEach(() => {
    setBackend(previous);
    expect(setup.errors.splice(0)).toEqual([]);
  });

  it('softmax and crossEntropy at logits ±1000 match the reference, finite', async () => {
    setBackend('js');
    const want = await stable();
    setBackend(gpu!);
    const got = await stable();
    for (const v of [...got.probs, ...got.loss, ...got.grad]) expect(Number.isFinite(v)).toBe(true);
    expectClose(got.probs, want.probs, 'softmax', 1e-5, 1e-6);
    expectClose(got.loss, want.loss, 'crossEntropy', 1e-5, 1e-4);
    expectClose(got.grad, want.grad, 'crossEntropy gradient', 1e-5, 1e-6);
  });

  // SwiftShader takes 40-70 s over these 200 steps on a loaded 2-core machine.
  it('an MLP 784→64→10 trains 200 SGD steps with GPU memory flat after warm-up', { timeout: 180_000 }, async () => {
    setBackend(gpu!);
    const g = new Generator(3);
    const model = new Sequential(new Linear(784, 64, { generator: g }), new ReLU(), new Linear(64, 10, { generator: g }));
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = uniform(g, [16, 784]);
    const y = tensor(Int32Array.from({ length: 16 }, (_, i) => i % 10));
    const settled = async (): Promise<number> => {
      // Buffers of tensors the collector found return through a FinalizationRegistry.
      for (let k = 0; k < 3; k++) {
        (globalThis as { gc?: () => void }).gc?.();
        await new Promise((r) => setTimeout(r, 5));
      }
      const s = gpu!.memoryStats();
      return s.liveBytes + s.pooledBytes;
    };
    let first = NaN;
    let last = NaN;
    let warm = 0;
    for (let step = 1; step <= 200; step++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      if (step === 1) first = await loss.itemAsync();
      if (step === 200) last = await loss.itemAsync();
      // Collections are forced every 10 steps so that the bytes compare
      // exactly: this is the check that every buffer comes back. A loop needs
      // no gc() to stay bounded (gc-pressure.test.ts): dropped tensors weigh
      // their GPU memory for the collector.
      if (step % 10 === 0) {
        const bytes = await settled();
        if (step === 20) warm = bytes;
      }
    }
    const after = await settled();
    expect(gpu!.memoryStats().pipelines).toBeLessThan(64);
    expect(last).toBeLessThan(first * 0.2);
    // Flat up to a few small buffers (the last loss, cached scalar constants):
    // a step that leaked even one 64-byte buffer would add 11 KiB by now.
    expect(after, `GPU bytes after warm-up ${warm}, after 200 steps ${after}`).toBeLessThanOrEqual(warm + 1024);
  });
});
