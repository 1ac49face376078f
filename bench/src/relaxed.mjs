// The relaxed-SIMD rows: W1 and W5 again, in a child Node started with
// --experimental-wasm-relaxed-simd (Node 20 and 21 need it; 22 and later have
// relaxed SIMD on, and the main rows already use it). tapegrad's products then
// multiply and add with f32x4.relaxed_madd; the same build with
// createWasmBackend({ relaxedSimd: false }) runs beside it ("tapegrad plain"),
// alternated sample by sample with it and the fastest wasm peers, so the row
// is an A/B of the multiply-add alone. Every column is cross-checked against
// tapegrad's reference backend as in the main table.
//
//   node --expose-gc --experimental-wasm-relaxed-simd src/relaxed.mjs --child [--quick]
// prints the rows as one JSON line; relaxedRows() (main.mjs) starts that child.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tg from '@tapegrad/core';
import { crossCheck } from './cross-check.mjs';
import { w1Inputs, w5Inputs } from './inputs.mjs';
import { alternate } from './timing.mjs';
import { createTapegrad } from './libs/tapegrad.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FLAG = '--experimental-wasm-relaxed-simd';

/** Whether this engine validates f32x4.relaxed_madd (a one-function module). */
function engineHasRelaxedSimd() {
  const body = [0x00, 0xfd, 0x0c, ...Array(16).fill(0), 0xfd, 0x0c, ...Array(16).fill(0), 0xfd, 0x0c, ...Array(16).fill(0), 0xfd, 0x85, 0x02, 0x0b];
  const code = [1, body.length, ...body];
  const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, code.length, ...code];
  return WebAssembly.validate(new Uint8Array(bytes));
}

export const RELAXED_COLUMNS = ['tapegrad', 'tapegrad-plain', 'tfjs-wasm', 'jax-js-jit'];

/**
 * tapegrad on a wasm backend built without relaxed SIMD, checked inside
 * every timed step to be that very backend.
 */
function createTapegradPlain() {
  const plain = tg.createWasmBackend({ relaxedSimd: false });
  const lib = createTapegrad('wasm', 'tapegrad-plain');
  const onPlain = ({ run, read }) => ({
    run: () => {
      if (tg.getBackend() !== plain) throw new Error(`backend: tapegrad-plain is running on another backend (${tg.getBackend().name})`);
      return run();
    },
    read,
  });
  return {
    ...lib,
    activate: async () => {
      tg.setBackend(plain);
      await tg.setNumThreads(1);
    },
    w1: (inputs) => onPlain(lib.w1(inputs)),
    w5: (inputs, backwardToo) => onPlain(lib.w5(inputs, backwardToo)),
  };
}

async function child(quick) {
  if (!engineHasRelaxedSimd()) {
    console.log(JSON.stringify({ error: `Node ${process.version} validates no relaxed SIMD even with ${FLAG}` }));
    return;
  }
  const libs = [createTapegrad('wasm'), createTapegradPlain(), createTapegrad('js')];
  const failed = {};
  for (const [name, load] of [
    ['tfjs-wasm', async () => (await import('./libs/tfjs.mjs')).createTfjs('wasm')],
    ['jax-js-jit', async () => (await import('./libs/jax.mjs')).createJax(true)],
  ]) {
    try {
      libs.push(await load());
    } catch (e) {
      failed[name] = String(e?.message ?? e).split('\n')[0].slice(0, 160);
    }
  }
  const budget = quick ? { warmup: 1, minSamples: 3, maxSamples: 5, budgetMs: 800 } : { warmup: 2, minSamples: 5, maxSamples: 15, budgetMs: 2000 };
  const rows = [];
  const row = async (workload, label, unit, make, toFigure, timing = {}) => {
    const cases = [];
    const result = { ...Object.fromEntries(Object.entries(failed).map(([n, error]) => [n, { error }])) };
    for (const lib of libs) {
      try {
        await lib.activate?.();
        const { run, read } = make(lib);
        cases.push({ name: lib.name, activate: lib.activate, run, read });
      } catch (e) {
        result[lib.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
      }
    }
    const { passed, errors } = await crossCheck(cases, 'tapegrad-js');
    for (const [name, error] of Object.entries(errors)) result[name] = { error };
    // The reference only checks: it is not timed here.
    Object.assign(result, await alternate(passed.filter((c) => c.name !== 'tapegrad-js'), { ...budget, ...timing }));
    delete result['tapegrad-js'];
    for (const r of Object.values(result)) if (r.ms !== undefined) r.value = toFigure(r.ms);
    rows.push({ workload, label: `${label}, relaxed SIMD`, unit, higherIsBetter: unit === 'GFLOP/s', result });
  };
  for (const N of quick ? [512] : [512, 1024]) {
    const inputs = w1Inputs(N);
    await row('W1', `matmul N=${N}`, 'GFLOP/s', (l) => l.w1(inputs), (ms) => (2 * N ** 3) / ms / 1e6, { maxSamples: quick ? 3 : 9, minSamples: 3 });
  }
  const w5 = w5Inputs();
  await row('W5', 'conv2d fwd', 'ms', (l) => l.w5(w5, false), (ms) => ms);
  await row('W5', 'conv2d fwd+bwd', 'ms', (l) => l.w5(w5, true), (ms) => ms);
  console.log(JSON.stringify({ rows }));
}

/**
 * Runs the relaxed-SIMD rows in a child Node with the flag and returns
 * `{ rows }`, or `{ error }` saying why there are none.
 */
export function relaxedRows({ quick }) {
  const major = Number(process.versions.node.split('.')[0]);
  // From Node 22 relaxed SIMD is on: the main rows already multiply-add with it.
  if (major >= 22) return { error: `Node ${process.version} has relaxed SIMD on: the main rows use it` };
  const args = ['--expose-gc', FLAG, path.join(here, 'relaxed.mjs'), '--child', ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 24 });
  const line = r.stdout?.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.error?.message || 'no output').trim().split('\n')[0].slice(0, 160) };
  }
}

if (process.argv.includes('--child')) await child(process.argv.includes('--quick'));

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

/** tapegrad against tapegrad plain and against the best peer, > 1 where tapegrad is better. */
export function relaxedRatio(r) {
  const better = (t, p) => (r.higherIsBetter ? t / p : p / t);
  const t = r.result.tapegrad?.value;
  if (t === undefined) return '';
  const plain = r.result['tapegrad-plain']?.value;
  let best = null;
  for (const [name, x] of Object.entries(r.result)) {
    if (name.startsWith('tapegrad') || x.value === undefined) continue;
    if (best === null || better(x.value, best.value) > 1) best = { name, value: x.value };
  }
  const parts = [];
  if (plain !== undefined) parts.push(`${better(t, plain).toFixed(2)}× vs plain`);
  if (best !== null) parts.push(`${better(t, best.value).toFixed(2)}× vs ${best.name}`);
  return parts.join(', ');
}

/** Prints the relaxed rows as a table of their own (their columns differ from the main table's). */
export function printRelaxedRows(rows) {
  console.log(`\n${'relaxed SIMD (child Node with --experimental-wasm-relaxed-simd)'.padEnd(43)}${RELAXED_COLUMNS.map((c) => c.padStart(15)).join('')}  tapegrad ÷`);
  for (const r of rows) {
    const cells = RELAXED_COLUMNS.map((c) => {
      const x = r.result[c];
      return (x === undefined ? '-' : x.value !== undefined ? fmt(x.value) : x.error.startsWith('n/a') ? 'n/a' : x.error.startsWith('mismatch') ? 'mismatch' : 'error').padStart(15);
    });
    console.log(`${`${r.workload} ${r.label}`.padEnd(34)}${r.unit.padEnd(9)}${cells.join('')}  ${relaxedRatio(r)}`);
  }
  for (const r of rows) for (const [name, x] of Object.entries(r.result)) if (x.error) console.log(`${r.workload} ${r.label}: ${name}: ${x.error}`);
}
