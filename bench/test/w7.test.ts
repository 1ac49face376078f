import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/cross-check.mjs';
import { createTapegrad } from '../src/libs/tapegrad.mjs';
import { W7, w7Inputs } from '../src/w7/inputs.mjs';
import { w7Jax } from '../src/w7/jax.mjs';
import { nodePeer } from '../src/w7/node-peer.mjs';
import { createTorch, findTorch } from '../src/w7/pytorch.mjs';
import { w7Tapegrad } from '../src/w7/tapegrad.mjs';
import { w7Tfjs } from '../src/w7/tfjs.mjs';

// W7's peers on a small model of the same structure: two training steps each
// from the same weights and batch, losses compared with tapegrad's reference
// backend as the benchmark compares them (the second loss depends on every
// gradient and AdamW update of the first).
const small = { ...W7, vocab: 11, context: 8, dim: 16, heads: 2, layers: 2, batch: 3 };

async function losses(peer: { run: () => unknown }): Promise<Float32Array[]> {
  const out: number[] = [];
  for (let s = 0; s < 2; s++) out.push(Number(await peer.run()));
  return [Float32Array.from(out)];
}

describe('W7 peers compute the same training steps', () => {
  const inputs = w7Inputs(small);
  const reference = async () => {
    const lib = createTapegrad('js');
    await lib.activate();
    return losses(w7Tapegrad(lib)(inputs));
  };

  it('tapegrad on wasm, jax-js under jit and TF.js on wasm match the reference, and a step that differs does not', async () => {
    const ref = await reference();
    const wasm = createTapegrad('wasm');
    await wasm.activate();
    expect(compareResults(ref, await losses(w7Tapegrad(wasm)(inputs)))).toBeNull();
    const { createJax } = await import('../src/libs/jax.mjs');
    expect(compareResults(ref, await losses(w7Jax(await createJax(true))(inputs)))).toBeNull();
    const { createTfjs } = await import('../src/libs/tfjs.mjs');
    expect(compareResults(ref, await losses(w7Tfjs(await createTfjs('wasm'))(inputs)))).toBeNull();
    // Another learning rate changes the second loss: the comparison sees a different update.
    const other = w7Inputs({ ...small, lr: 0.01 });
    await wasm.activate();
    expect(compareResults(ref, await losses(w7Tapegrad(wasm)(other)))).toMatch(/^mismatch/);
  });

  it('a peer in a Node process of its own runs the same steps, collects and reports its resource use there', async () => {
    const ref = await reference();
    const peer = await nodePeer('tapegrad', small);
    try {
      expect(compareResults(ref, await losses(peer))).toBeNull();
      await peer.collect();
      const usage = await peer.usage();
      // The child's own CPU time: more than it takes to load tapegrad and run two steps of this small model.
      expect(usage.userCPUTime).toBeGreaterThan(10_000);
    } finally {
      peer.close();
    }
    await expect(nodePeer('tfjs-cpu', small)).rejects.toThrow(/no W7 peer 'tfjs-cpu'/);
  });

  const torch = findTorch();
  if (torch.error !== undefined) console.warn(`W7 PyTorch test skipped: ${torch.error}`);
  it.skipIf(torch.error !== undefined)('PyTorch matches the reference', async () => {
    const ref = await reference();
    const peer = createTorch(torch, 1);
    try {
      expect(compareResults(ref, await losses(await peer.make(inputs)))).toBeNull();
    } finally {
      peer.close();
    }
  });
});
