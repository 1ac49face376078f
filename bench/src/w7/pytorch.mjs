// PyTorch as a W7 peer: torch_w7.py in a Python process of its own (one per
// thread count), kept running and asked for one training step at a time over
// stdin/stdout (line-peer.mjs), so its samples alternate with the
// JavaScript peers', each of which runs in a Node process of its own. It reads the same parameters and batch, written to a
// temporary file. The column is absent, with the reason printed, where no
// Python imports torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLinePeer } from './line-peer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The first of $BENCH_PYTHON, python3 and /usr/bin/python3 that imports
 * torch (a pyenv shim may shadow the system Python that has it), with its
 * torch version; or the reason there is none.
 */
export function findTorch() {
  const tried = [];
  for (const python of [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
    tried.push(`${python}: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)}`);
  }
  return { error: `no Python here imports torch (${tried.join('; ')})` };
}

/** Writes the inputs as a JSON manifest and one binary file of their arrays; returns the manifest's path. */
function writeInputs({ config, params, ids, targets }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapegrad-w7-'));
  const chunks = [];
  let offset = 0;
  const entry = (name, { shape, data }) => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    chunks.push(bytes);
    const e = { name, shape, dtype: data instanceof Int32Array ? 'int32' : 'float32', offset };
    offset += bytes.length;
    return e;
  };
  const manifest = { config, params: params.map((p) => entry(p.name, p)), ids: entry('ids', ids), targets: entry('targets', targets) };
  const file = path.join(dir, 'w7.json');
  writeFileSync(`${file}.bin`, Buffer.concat(chunks));
  writeFileSync(file, JSON.stringify(manifest));
  return file;
}

/**
 * A W7 peer running PyTorch on `threads` threads: `{ name, make(inputs), close() }`,
 * where `make` starts the process and returns `{ run, read, usage }` (run: one
 * step, its loss; usage: the process's resource use, as Node's resourceUsage names it).
 */
export function createTorch({ python, version }, threads) {
  let peer = null;
  const name = `pytorch-${threads}t`;
  return {
    name,
    version,
    async make(inputs) {
      // OpenBLAS and OpenMP size their own thread pools from these, torch.set_num_threads only its own.
      const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
      peer = await startLinePeer(name, python, [path.join(here, 'torch_w7.py'), writeInputs(inputs), String(threads)], env);
      const { ready } = peer;
      if (ready.threads !== threads) throw new Error(`backend: ${name} runs on ${ready.threads} threads`);
      this.blas = ready.blas;
      const run = async () => (await peer.ask('step')).loss;
      const usage = async () => (await peer.ask('usage')).usage;
      return { run, read: async (x) => [[x]], usage };
    },
    close() {
      peer?.close();
      peer = null;
    },
  };
}
