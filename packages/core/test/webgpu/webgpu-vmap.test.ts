import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { conv2d, getBackend, grad, maxPool2d, setBackend, tensor, vmap, type Backend, type Tensor, type TypedArray } from '@tapegrad/core';
import { expectClose } from './compare.js';
import { fileDevice } from './gpu-device.js';

// Per-example gradients of a small conv net (a convolution with a bias) by
// vmap(grad(loss)) on webgpu in float32, against the same on the reference
// backend: the batching rules (examples joined to N, a weight per example as
// channel groups) run on the GPU's kernels, and the index checks that read
// values are skipped there.

const setup = await fileDevice();
const gpu = setup.backend;

/** Fixed values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = (s / 2147483648) * 2 - 1;
  }
  return v;
}

const net = (k: Tensor, b: Tensor, w: Tensor, x: Tensor, y: Tensor): Tensor => {
  const h = maxPool2d(conv2d(x.unsqueeze(0), k, b, { padding: 1 }).relu(), 2).flatten(1);
  const logits = h.matmul(w);
  return logits.logsumexp(1).sub(logits.gather(1, y.reshape([1, 1])).reshape([1])).sum();
};

async function perExample(): Promise<TypedArray[]> {
  const k = tensor(values(3 * 2 * 3 * 3, 1), { shape: [3, 2, 3, 3] });
  const b = tensor(values(3, 4));
  const w = tensor(values(12 * 4, 2), { shape: [12, 4] });
  const x = tensor(values(3 * 2 * 4 * 4, 3), { shape: [3, 2, 4, 4] });
  const y = tensor(new Int32Array([1, 3, 0]));
  const grads = vmap(grad(net, { argnums: [0, 1, 2] }), { inDims: [null, null, null, 0, 0] })(k, b, w, x, y);
  expect(grads.map((g) => g.shape)).toEqual([[3, 3, 2, 3, 3], [3, 3], [3, 12, 4]]);
  return Promise.all(grads.map((g) => g.dataAsync()));
}

describe.skipIf(gpu === null)('vmap on webgpu', () => {
  let previous: Backend;
  afterEach(() => {
    setBackend(previous);
    expect(setup.errors.splice(0)).toEqual([]);
  });
  afterAll(() => setBackend(previous));

  it('per-example gradients of a conv net match the reference backend', async () => {
    previous = getBackend();
    setBackend('js');
    const want = await perExample();
    setBackend(gpu!);
    const got = await perExample();
    want.forEach((g, i) => expectClose(got[i]!, g, `gradient ${i}`, 2e-4, 2e-5));
  });
});
