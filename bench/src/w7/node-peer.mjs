// The JavaScript W7 peers (tapegrad on one or two threads, its reference
// backend, TF.js on wasm, jax-js under jit), each in a Node process of its
// own (node-peer-process.mjs), as PyTorch is in its Python process. In one
// process, each library's collector would mark the others' heaps too: a step
// that allocates hundreds of megabytes starts a dozen collections, whose cost
// grows with everything the process holds, the other peers' models and
// every earlier workload included. A training script holds one library.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLinePeer } from './line-peer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The libraries node-peer-process.mjs can run W7 in. */
export const NODE_PEERS = ['tapegrad', 'tapegrad-2t', 'tapegrad-js', 'tfjs-wasm', 'jax-js-jit'];

/**
 * A W7 case for `name` (one of NODE_PEERS) on `config`'s model (W7's by
 * default): `{ name, run, read, collect, usage, close }`, where `run` is one
 * training step resolving to its loss, `collect` a full collection in the
 * peer's process and `usage` that process's `process.resourceUsage()`.
 */
export async function nodePeer(name, config) {
  const args = ['--expose-gc', path.join(here, 'node-peer-process.mjs'), name];
  if (config !== undefined) args.push(JSON.stringify(config));
  const peer = await startLinePeer(name, process.execPath, args);
  return {
    name,
    run: async () => (await peer.ask('step')).loss,
    read: async (x) => [[x]],
    collect: async () => void (await peer.ask('gc')),
    usage: async () => (await peer.ask('usage')).usage,
    close: peer.close,
  };
}
