// pnpm bench [--quick] [--only W1,W3,W7] [--gpu]
// Runs the workloads against every peer that loads here, prints one table
// (absolute figures and tapegrad ÷ best peer) and writes results/latest.json.
// Every peer gets the same inputs (inputs.mjs); before a row is timed, each
// peer's result is compared with tapegrad-js's (cross-check.mjs), and a peer
// that disagrees, or that runs on another backend than its column names, gets
// an error cell instead of a figure.
// Where a WebGPU adapter exists (gpu.mjs), the GPU rows compare tapegrad's
// webgpu backend with TF.js's and jax-js's on that adapter; a CPU fallback
// adapter (SwiftShader) runs them at small shapes, and says its timings mean
// nothing. Without an adapter the bench says why, and runs the CPU columns.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossCheck } from './cross-check.mjs';
import { probeWebGpu } from './gpu.mjs';
import { w1Inputs, w2Inputs, w3Inputs, w4Inputs, w5Inputs } from './inputs.mjs';
import { alternate } from './timing.mjs';
import { createTapegrad } from './libs/tapegrad.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',') : null;
// --gpu: the GPU rows alone (W1 and W2 on webgpu, W8).
const gpuOnly = args.includes('--gpu');
const wantsWorkload = (w) => only === null || only.includes(w);
const wants = (w) => !gpuOnly && wantsWorkload(w);

/**
 * Loads each library; one that cannot run here is reported with its reason.
 * The GPU columns load only where there is an adapter (`probe`).
 */
async function loadLibs(probe) {
  const libs = [];
  const failed = {};
  const gpuLibs = [];
  const gpuFailed = {};
  const tryLoad = async (name, make, into = libs, failures = failed) => {
    try {
      into.push(await make());
    } catch (e) {
      failures[name] = String(e?.message ?? e).split('\n')[0].slice(0, 160);
    }
  };
  await tryLoad('tapegrad', async () => createTapegrad('wasm'));
  await tryLoad('tapegrad-2t', async () => (await import('./libs/tapegrad-threads.mjs')).createTapegradThreads(2));
  await tryLoad('tapegrad-js', async () => createTapegrad('js'));
  await tryLoad('tfjs-cpu', async () => (await import('./libs/tfjs.mjs')).createTfjs('cpu'));
  await tryLoad('tfjs-wasm', async () => (await import('./libs/tfjs.mjs')).createTfjs('wasm'));
  await tryLoad('jax-js', async () => (await import('./libs/jax.mjs')).createJax(false));
  await tryLoad('jax-js-jit', async () => (await import('./libs/jax.mjs')).createJax(true));
  if (probe.adapter !== null) {
    await tryLoad('tapegrad-webgpu', async () => (await import('./libs/tapegrad-webgpu.mjs')).createTapegradWebGpu(probe), gpuLibs, gpuFailed);
    await tryLoad('tfjs-webgpu', async () => (await import('./libs/tfjs-webgpu.mjs')).createTfjsWebGpu(probe), gpuLibs, gpuFailed);
    await tryLoad('jax-js-webgpu', async () => (await import('./libs/jax.mjs')).createJaxWebGpu(probe), gpuLibs, gpuFailed);
  }
  return { libs, failed, gpuLibs, gpuFailed };
}

const probe = await probeWebGpu();
// The GPU rows' shapes: on a CPU fallback adapter, small enough to finish in minutes.
const gpuShapes = probe.fallback ? { N: 256, batch: 8 } : { N: 4096, batch: 1024 };
if (probe.adapter === null) console.log(`No webgpu columns: ${probe.reason}.\n`);
else if (probe.fallback) {
  console.log(`WebGPU adapter: ${probe.name}. It is a CPU fallback (SwiftShader runs WebGPU on the CPU): its webgpu figures`);
  console.log(`mean nothing about a GPU and are not to be published as speed. The GPU rows run at small shapes`);
  console.log(`(matmul N=${gpuShapes.N}, W2 batch ${gpuShapes.batch}) to check the peers agree, and W8 (1,000 steps) is skipped.\n`);
} else console.log(`WebGPU adapter: ${probe.name}\n`);
const { libs, failed, gpuLibs, gpuFailed } = await loadLibs(probe);
const rows = [];
const budget = quick ? { warmup: 1, minSamples: 3, maxSamples: 5, budgetMs: 800 } : { warmup: 2, minSamples: 5, maxSamples: 21, budgetMs: 2500 };

/**
 * One table row: `make(lib)` prepares `{ run, read }` (or throws 'n/a: …');
 * `opts.check` is passed to crossCheck (`steps`: runs compared, for stateful
 * rows such as a training step; `tolerance`). A GPU row (`opts.gpu`) runs the
 * webgpu columns, cross-checked against tapegrad's wasm backend, which is not
 * timed there (the CPU rows check it against the reference backend; the
 * reference itself would take minutes at the GPU rows' sizes).
 */
async function row(workload, label, unit, make, toFigure, opts = {}) {
  const cases = [];
  const result = {};
  const reference = opts.gpu ? 'tapegrad' : 'tapegrad-js';
  const peers = opts.gpu ? [...libs.filter((l) => l.name === reference), ...gpuLibs] : libs;
  for (const [name, reason] of Object.entries(opts.exclude ?? {})) result[name] = { error: reason };
  for (const lib of peers.filter((l) => !(l.name in (opts.exclude ?? {})))) {
    try {
      await lib.activate?.();
      const { run, read } = make(lib);
      cases.push({ name: lib.name, activate: lib.activate, run, read });
    } catch (e) {
      result[lib.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
    }
  }
  const { passed, errors } = await crossCheck(cases, reference, opts.check);
  for (const [name, error] of Object.entries(errors)) result[name] = { error };
  Object.assign(result, await alternate(opts.gpu ? passed.filter((c) => c.name !== reference) : passed, { ...budget, ...opts.timing }));
  for (const r of Object.values(result)) if (r.ms !== undefined) r.value = toFigure(r.ms);
  for (const [name, reason] of Object.entries(opts.gpu ? gpuFailed : failed)) result[name] = { error: reason };
  rows.push({ workload, label, unit, higherIsBetter: unit === 'GFLOP/s', gpu: opts.gpu === true, result });
  printRow(rows.at(-1));
}

const gpuOrder = ['tapegrad-webgpu', 'tfjs-webgpu', 'jax-js-webgpu'];
const order = ['tapegrad', 'tapegrad-2t', 'tapegrad-js', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit', ...(probe.adapter === null ? [] : gpuOrder)];
const width = (name) => Math.max(12, name.length + 2);
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

function bestPeer(r) {
  let best = null;
  for (const [name, x] of Object.entries(r.result)) {
    if (name.startsWith('tapegrad') || x.value === undefined || gpuOrder.includes(name) !== (r.gpu === true)) continue;
    if (best === null || (r.higherIsBetter ? x.value > best.value : x.value < best.value)) best = { name, value: x.value };
  }
  return best;
}

function ratio(r) {
  const b = bestPeer(r);
  if (b === null) return '';
  // > 1 means tapegrad is better, whatever the unit.
  const of = (t) => `${(r.higherIsBetter ? t / b.value : b.value / t).toFixed(2)}×`;
  if (r.gpu) {
    const gpu = r.result['tapegrad-webgpu']?.value;
    return gpu === undefined ? '' : `webgpu ${of(gpu)} vs ${b.name}`;
  }
  const one = r.result.tapegrad?.value;
  const two = r.result['tapegrad-2t']?.value;
  if (one === undefined) return '';
  return `${of(one)}${two === undefined ? '' : ` (2 threads ${of(two)})`} vs ${b.name}`;
}

/** An error's cell: 'n/a' (the peer cannot run the row), 'mismatch' (wrong results) or 'error'. */
const errorCell = (e) => (e.startsWith('n/a') ? 'n/a' : e.startsWith('mismatch') ? 'mismatch' : 'error');

let headerPrinted = false;
function printRow(r) {
  if (!headerPrinted) {
    console.log(['workload'.padEnd(34), 'unit'.padEnd(9), ...order.map((o) => o.padStart(width(o))), '  tapegrad ÷ best peer'].join(''));
    headerPrinted = true;
  }
  const cells = order.map((o) => {
    const x = r.result[o];
    return (x === undefined ? '-' : x.value !== undefined ? fmt(x.value) : errorCell(x.error)).padStart(width(o));
  });
  console.log([`${r.workload} ${r.label}`.padEnd(34), r.unit.padEnd(9), ...cells, `  ${ratio(r)}`].join(''));
}

// W1: square matmul.
if (wants('W1')) {
  for (const N of quick ? [128, 512] : [128, 256, 512, 1024]) {
    const inputs = w1Inputs(N);
    await row('W1', `matmul N=${N}`, 'GFLOP/s', (l) => l.w1(inputs), (ms) => (2 * N ** 3) / ms / 1e6, {
      // The reference kernels take seconds at N=1024: a few samples are enough.
      timing: N >= 512 ? { maxSamples: quick ? 3 : 9, minSamples: 3 } : {},
    });
  }
}
// The GPU rows' timing: a fallback adapter's figures are not worth more samples.
const gpuTiming = probe.fallback ? { warmup: 1, minSamples: 3, maxSamples: 3, budgetMs: 0 } : { maxSamples: quick ? 5 : 15 };
if (wantsWorkload('W1') && gpuLibs.length > 0) {
  const { N } = gpuShapes;
  const inputs = w1Inputs(N);
  await row('W1', `matmul N=${N}, webgpu`, 'GFLOP/s', (l) => l.w1(inputs), (ms) => (2 * N ** 3) / ms / 1e6, { gpu: true, timing: gpuTiming });
}
// The harness collects garbage and runs one untimed step before each timed
// sample (timing.mjs). A synchronous loop never lets the
// collector's finalization callbacks run; the "yielding" rows wait for one
// event-loop turn (setImmediate, inside the timed run) before each step, as a
// browser app between frames does, and run tapegrad with its storage pool on.
const yielding = ({ run, read }) => ({
  run: async () => {
    await new Promise(setImmediate);
    return run();
  },
  read,
});
// W2: MLP training step.
if (wants('W2')) {
  // The losses of the first three steps: the later two depend on every gradient of the earlier ones.
  const check = { steps: 3 };
  await row('W2', 'MLP 784-512-256-10 step', 'ms', (l) => l.w2(w2Inputs()), (ms) => ms, { check });
  await row('W2', 'same, yielding, pool on', 'ms', (l) => yielding(l.w2(w2Inputs(), { pool: true })), (ms) => ms, { check });
}
if (wantsWorkload('W2') && gpuLibs.length > 0) {
  const inputs = w2Inputs(gpuShapes.batch);
  await row('W2', `MLP step, batch ${gpuShapes.batch}, webgpu`, 'ms', (l) => l.w2(inputs), (ms) => ms, { gpu: true, check: { steps: 3 }, timing: gpuTiming });
}
// W3: elementwise chain on 1M floats.
if (wants('W3')) {
  const inputs = w3Inputs();
  await row('W3', 'sum(exp(a*b+c)*0.5) fwd', 'ms', (l) => l.w3(inputs, false), (ms) => ms);
  await row('W3', 'same, fwd+bwd (grad a)', 'ms', (l) => l.w3(inputs, true), (ms) => ms);
  await row('W3', 'fwd+bwd, yielding, pool on', 'ms', (l) => yielding(l.w3(inputs, true, { pool: true })), (ms) => ms);
}
// W4: tape overhead.
if (wants('W4')) {
  const ops = quick ? 2000 : 10_000;
  const inputs = w4Inputs(ops);
  await row('W4', `${ops} tiny ops + backward`, 'µs/op', (l) => l.w4(inputs), (ms) => (ms * 1000) / ops, {
    timing: { maxSamples: 9 },
    // Its eager grad re-traces the whole chain: over a minute per run at this length.
    exclude: { 'jax-js': 'n/a: eager grad of a 10,000-op chain takes minutes' },
  });
}
// W5: conv2d forward, and forward + backward with respect to input and weights.
if (wants('W5')) {
  const inputs = w5Inputs();
  await row('W5', 'conv2d 32×3×32×32, 16×3×3', 'ms', (l) => l.w5(inputs, false), (ms) => ms);
  await row('W5', 'same, fwd+bwd (grad x, w)', 'ms', (l) => l.w5(inputs, true), (ms) => ms);
}

// W1 and W5 again with relaxed SIMD's multiply-add, in a child Node (relaxed.mjs).
if (wants('W1') || wants('W5')) {
  const { relaxedRows, printRelaxedRows, relaxedRatio } = await import('./relaxed.mjs');
  const relaxed = relaxedRows({ quick });
  if (relaxed.rows) {
    printRelaxedRows(relaxed.rows);
    for (const r of relaxed.rows) rows.push({ ...r, ratioText: relaxedRatio(r) });
  } else console.log(`\nrelaxed SIMD rows: none (${relaxed.error})`);
}

// W7: a transformer training step, PyTorch among the peers (w7/run.mjs).
if (wants('W7')) {
  const { w7Row, w7Ratio } = await import('./w7/run.mjs');
  const r = await w7Row(libs, failed, { quick });
  rows.push({ ...r, ratioText: w7Ratio(r.result) });
}

// W6: memory over 300 training steps, one child process per library.
if (wants('W6')) {
  const steps = quick ? 60 : 300;
  const marks = [steps / 3, (2 * steps) / 3, steps];
  // tfjs-cpu needs over a second per step: 300 steps would take the whole budget.
  const soakLibs = ['tapegrad', 'tfjs-wasm', 'jax-js-jit'];
  const soakSkipped = { 'tfjs-cpu': 'n/a: ~1 s per step, too slow to soak' };
  const peak = { workload: 'W6', label: `peak RSS, ${steps} MLP steps`, unit: 'MB', higherIsBetter: false, result: {} };
  const growth = { workload: 'W6', label: `RSS at ${marks.join('/')}`, unit: 'MB', higherIsBetter: false, result: {}, text: {} };
  for (const name of soakLibs) {
    const child = spawnSync(process.execPath, ['--expose-gc', path.join(here, 'soak.mjs'), name, String(steps)], { encoding: 'utf8', timeout: 300_000 });
    const line = child.stdout?.trim().split('\n').at(-1) ?? '';
    try {
      const r = JSON.parse(line);
      if (r.error) throw new Error(r.error);
      peak.result[name] = { value: r.peakMB };
      growth.result[name] = { value: r.marks.at(-1), marks: r.marks };
      growth.text[name] = r.marks.map((m) => m.toFixed(0)).join('/');
    } catch (e) {
      const reason = (child.stderr || String(e?.message ?? e)).trim().split('\n')[0].slice(0, 120);
      peak.result[name] = { error: reason };
      growth.result[name] = { error: reason };
    }
  }
  for (const [name, reason] of Object.entries(soakSkipped)) {
    peak.result[name] = { error: reason };
    growth.result[name] = { error: reason };
  }
  rows.push(peak);
  printRow(peak);
  rows.push(growth);
  console.log(
    [`W6 ${growth.label}`.padEnd(34), 'MB'.padEnd(9), ...order.map((o) => (growth.text[o] ?? (growth.result[o] ? 'n/a' : '-')).padStart(width(o)))].join(''),
  );
}

// W8: GPU memory over 1,000 W2 training steps (batch 1024) written the plain
// way, in a child process run without --expose-gc (gpu-soak.mjs).
if (wantsWorkload('W8') && probe.adapter !== null) {
  const label = 'GPU MB, 1000 W2 steps b1024';
  if (probe.fallback) console.log(`W8 ${label}: skipped: the adapter is a CPU fallback, on which 1,000 steps of W2 at batch 1024 take hours (packages/nn/test/webgpu/gc-pressure.test.ts runs the same loop on a device that computes nothing)`);
  else {
    const child = spawnSync(process.execPath, [path.join(here, 'gpu-soak.mjs'), '1000', '1024'], { encoding: 'utf8', timeout: 600_000 });
    const line = child.stdout?.trim().split('\n').at(-1) ?? '';
    const r = { workload: 'W8', label, unit: 'MB', higherIsBetter: false, result: {}, text: {} };
    try {
      const soak = JSON.parse(line);
      if (soak.error) throw new Error(soak.error);
      const { gpuMB: g, rssMB: m } = soak;
      r.result['tapegrad-webgpu'] = { value: g.peak, soak };
      r.text['tapegrad-webgpu'] = [g.start, g.peak, g.end].map((v) => v.toFixed(0)).join('/');
      rows.push(r);
      console.log([`W8 ${label}`.padEnd(34), 'MB'.padEnd(9), ...order.map((o) => (r.text[o] ?? '-').padStart(width(o))), '  start/peak/end'].join(''));
      const flat = g.lastQuarterMean <= g.thirdQuarterMean + 64;
      console.log(`W8: GPU MB mean of steps 501-750 ${g.thirdQuarterMean.toFixed(0)}, of 751-1000 ${g.lastQuarterMean.toFixed(0)}${flat ? ' (flat)' : ' (GROWING)'}; RSS MB start/peak/end ${[m.start, m.peak, m.end].map((v) => v.toFixed(0)).join('/')}; ${soak.msPerStep.toFixed(2)} ms/step; loss ${soak.loss.first.toFixed(3)} -> ${soak.loss.last.toFixed(3)}`);
    } catch (e) {
      const reason = (child.stderr || String(e?.message ?? e)).trim().split('\n')[0].slice(0, 160);
      r.result['tapegrad-webgpu'] = { error: reason };
      rows.push(r);
      console.log(`W8 ${label}: error: ${reason}`);
    }
  }
}

for (const [name, reason] of Object.entries(failed)) console.log(`${name}: could not run here: ${reason}`);
for (const [name, reason] of Object.entries(gpuFailed)) console.log(`${name}: could not run here: ${reason}`);
for (const r of rows) for (const [name, x] of Object.entries(r.result)) if (x.error && !failed[name] && !gpuFailed[name]) console.log(`${r.workload} ${r.label}: ${name}: ${x.error}`);

const outDir = path.join(here, '..', 'results');
mkdirSync(outDir, { recursive: true });
const webgpu = probe.adapter === null ? { absent: probe.reason } : { adapter: probe.name, fallback: probe.fallback };
const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, loadavg: os.loadavg(), webgpu };
writeFileSync(
  path.join(outDir, 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine, quick, rows: rows.map((r) => ({ ...r, ratio: r.ratioText ?? ratio(r) })) }, null, 2)}\n`,
);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; written to bench/results/latest.json`);
if (probe.fallback) console.log(`The webgpu columns ran on a CPU fallback adapter (${probe.name}): their timings mean nothing about a GPU.`);
// Dawn keeps the process alive while its devices exist.
process.exit(0);
