import type { Tensor } from '@tapegrad/core';

// One time step of each recurrence, given the two projections of all gates
// at once: `gi = x·W_ihᵀ + b_ih` and `gh = h·W_hhᵀ + b_hh`, each `[N, gates·H]`.
// The cells (rnn-cells.ts) take one step; the sequence layers (rnn.ts) loop
// over time. Where only `gi + gh` matters (Elman, LSTM) a caller may move
// `b_hh` into `gi`; GRU needs `b_hn` inside `gh`, since r multiplies it.

/**
 * The Elman update `h' = f(gi + gh)` with `f` tanh or ReLU.
 *
 * @example
 * ```ts
 * const h = rnnStep(x.matmul(wIh.mT), h0.matmul(wHh.mT), 'tanh');
 * ```
 */
export function rnnStep(gi: Tensor, gh: Tensor, nonlinearity: 'tanh' | 'relu'): Tensor {
  const pre = gi.add(gh);
  return nonlinearity === 'tanh' ? pre.tanh() : pre.relu();
}

/**
 * The LSTM update with PyTorch's gate order (input, forget, cell, output):
 * `c' = σ(f)⊙c + σ(i)⊙tanh(g)`, `h' = σ(o)⊙tanh(c')`. Returns `[h', c']`.
 *
 * @example
 * ```ts
 * const [h, c] = lstmStep(x.matmul(wIh.mT), h0.matmul(wHh.mT), c0);
 * ```
 */
export function lstmStep(gi: Tensor, gh: Tensor, c: Tensor): [Tensor, Tensor] {
  const [i, f, g, o] = gi.add(gh).chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const cNext = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  return [o.sigmoid().mul(cNext.tanh()), cNext];
}

/**
 * The GRU update with PyTorch's gate order (reset, update, new):
 * `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r⊙gh_n)`,
 * `h' = (1 − z)⊙n + z⊙h`; `gh_n` holds `b_hn`, as PyTorch's.
 *
 * @example
 * ```ts
 * const h = gruStep(x.matmul(wIh.mT).add(bIh), h0.matmul(wHh.mT).add(bHh), h0);
 * ```
 */
export function gruStep(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  const [ir, iz, inew] = gi.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hnew] = gh.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const r = ir.add(hr).sigmoid();
  const z = iz.add(hz).sigmoid();
  const n = inew.add(r.mul(hnew)).tanh();
  // n + z⊙(h − n): the same value as (1 − z)⊙n + z⊙h with two ops fewer.
  return n.add(z.mul(h.sub(n)));
}
