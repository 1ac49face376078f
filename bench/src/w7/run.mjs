// W7: one training step of a transformer (w7/inputs.mjs), in every peer that
// runs it: tapegrad (wasm, one and two threads), jax-js under jit, TF.js on
// wasm, each in a Node process of its own (node-peer.mjs), and PyTorch on one
// and two threads in a Python process of its own (pytorch.mjs). Every peer
// first trains two steps from the same weights on the same batch, and its losses must match tapegrad's reference backend
// (the second loss depends on every gradient and AdamW update of the first);
// then the steps are timed, alternated sample by sample. W7 prints a table of
// its own: its columns (PyTorch's) are not the main table's.
import { crossCheck } from '../cross-check.mjs';
import { alternate } from '../timing.mjs';
import { w7Inputs } from './inputs.mjs';
import { NODE_PEERS, nodePeer } from './node-peer.mjs';
import { createTorch, findTorch } from './pytorch.mjs';

export const W7_COLUMNS = ['tapegrad', 'tapegrad-2t', 'tfjs-wasm', 'jax-js-jit', 'pytorch-1t', 'pytorch-2t'];

/** Why a loaded library has no W7 column. */
const NOT_RUN = {
  'tapegrad-js': 'n/a: the reference backend checks the losses (a step takes about a minute), untimed',
  'tfjs-cpu': 'n/a: TF.js cpu takes minutes per step',
  'jax-js': 'n/a: jax-js is timed under jit',
};

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));

/** tapegrad against each peer: > 1 where tapegrad is faster. */
export function w7Ratio(result) {
  const t = result.tapegrad?.value;
  if (t === undefined) return '';
  const peers = W7_COLUMNS.filter((c) => !c.startsWith('tapegrad') && result[c]?.value !== undefined);
  return peers.map((c) => `${(result[c].value / t).toFixed(2)}× vs ${c}`).join(', ');
}

/**
 * Runs W7 with the main table's loaded libraries (`libs`, by name; each
 * peer loads its own in a process of its own) and PyTorch where a Python
 * imports torch; prints its table and returns its row.
 */
export async function w7Row(libs, failed, { quick }) {
  const inputs = w7Inputs();
  const result = {};
  const cases = [];
  const closers = [];
  for (const [name, reason] of Object.entries(failed)) result[name] = { error: reason };
  for (const lib of libs) {
    if (!NODE_PEERS.includes(lib.name)) {
      result[lib.name] = { error: NOT_RUN[lib.name] ?? 'n/a: no W7 here' };
      continue;
    }
    try {
      const peer = await nodePeer(lib.name);
      cases.push(peer);
      closers.push(peer);
    } catch (e) {
      result[lib.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
    }
  }
  const torch = findTorch();
  let torchNote = torch.error ?? `PyTorch ${torch.version}`;
  for (const threads of [1, 2]) {
    if (torch.error) {
      result[`pytorch-${threads}t`] = { error: `n/a: ${torch.error}` };
      continue;
    }
    const peer = createTorch(torch, threads);
    try {
      cases.push({ name: peer.name, ...(await peer.make(inputs)) });
      closers.push(peer);
      torchNote = `PyTorch ${torch.version} (${torch.python}), BLAS: ${peer.blas}`;
    } catch (e) {
      result[peer.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
      peer.close();
    }
  }
  const { passed, errors } = await crossCheck(cases, 'tapegrad-js', { steps: 2 });
  for (const [name, error] of Object.entries(errors)) result[name] = { error };
  // The reference is not timed: its process ends here.
  for (const c of cases) if (c.name === 'tapegrad-js') c.close?.();
  const timed = passed.filter((c) => c.name !== 'tapegrad-js');
  // Steps of a second or more: after each sample's collection one untimed step (the first step after it
  // touches fresh memory, which a training loop that never forces collections does not), then one timed.
  const timing = quick ? { warmup: 1, minSamples: 1, maxSamples: 2, budgetMs: 5000, untimed: 1 } : { warmup: 1, minSamples: 3, maxSamples: 7, budgetMs: 20_000, untimed: 1 };
  Object.assign(result, await alternate(timed, timing));
  result['tapegrad-js'] = { error: NOT_RUN['tapegrad-js'] };
  for (const peer of closers) peer.close();
  for (const r of Object.values(result)) if (r.ms !== undefined) r.value = r.ms;
  const { vocab, context, dim, heads, layers, batch } = inputs.config;
  const row = {
    workload: 'W7',
    label: `transformer step ${layers}×${dim}, ${heads} heads, ${batch}×${context} tokens`,
    unit: 'ms',
    higherIsBetter: false,
    note: `vocab ${vocab}; ${torchNote}`,
    result,
  };
  console.log(`\n${`W7 ${row.label}`.padEnd(50)}${W7_COLUMNS.map((c) => c.padStart(12)).join('')}  tapegrad ÷`);
  const cells = W7_COLUMNS.map((c) => {
    const x = result[c];
    return (x === undefined ? '-' : x.value !== undefined ? fmt(x.value) : x.error.startsWith('n/a') ? 'n/a' : x.error.startsWith('mismatch') ? 'mismatch' : 'error').padStart(12);
  });
  console.log(`${'ms per step (forward, backward, AdamW)'.padEnd(50)}${cells.join('')}  ${w7Ratio(result)}`);
  // Steps of a second vary from sample to sample on a shared machine: the spread each median came from.
  const spread = W7_COLUMNS.filter((c) => result[c]?.range !== undefined).map((c) => `${c} ${result[c].range.map(fmt).join('–')} (${result[c].samples})`);
  if (spread.length > 0) console.log(`W7 samples, fastest–slowest (count): ${spread.join(', ')}`);
  console.log(`W7: ${row.note}`);
  return row;
}
