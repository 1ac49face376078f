// W7's model and data, made once from seeded generators and handed to every
// peer: the char-transformer example's model (examples/char-transformer)
// scaled up. Weights follow PyTorch's layouts ([out, in] for linear maps,
// MultiheadAttention's packed [3E, E] in-projection), so each peer loads the
// same numbers into its own parameters.
import { normal, uniform } from '../inputs.mjs';

/** Sizes, the optimizer's hyperparameters and the batch. */
export const W7 = { vocab: 64, context: 128, dim: 256, heads: 4, layers: 4, batch: 16, lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 };

/** Uniform in [-bound, bound), as PyTorch's default Linear and xavier_uniform_ initialisers draw. */
const symmetric = (n, seed, bound) => uniform(n, seed).map((u) => (2 * u - 1) * bound);
const array = (shape, data) => ({ shape, data });

/**
 * The parameters in a fixed order (the order every peer reads them in), by
 * name: embeddings N(0, 1) as nn.Embedding's, linear weights and biases
 * uniform in ±1/√fanIn, the in-projection xavier-uniform with zero bias, the
 * out-projection's bias zero, norms' weights 1 and biases 0.
 */
export function w7Params(config = W7) {
  const { vocab, context, dim, layers } = config;
  let seed = 100;
  const params = [];
  const add = (name, shape, data) => params.push({ name, ...array(shape, data) });
  const numel = (shape) => shape.reduce((p, s) => p * s, 1);
  const linear = (name, out, inp) => {
    const bound = 1 / Math.sqrt(inp);
    add(`${name}.weight`, [out, inp], symmetric(out * inp, seed++, bound));
    add(`${name}.bias`, [out], symmetric(out, seed++, bound));
  };
  const norm = (name) => {
    add(`${name}.weight`, [dim], new Float32Array(dim).fill(1));
    add(`${name}.bias`, [dim], new Float32Array(dim));
  };
  add('tokens.weight', [vocab, dim], normal(vocab * dim, seed++, 1));
  add('positions.weight', [context, dim], normal(context * dim, seed++, 1));
  for (let l = 0; l < layers; l++) {
    const b = `blocks.${l}`;
    norm(`${b}.norm1`);
    add(`${b}.attention.in_proj_weight`, [3 * dim, dim], symmetric(3 * dim * dim, seed++, Math.sqrt(6 / (dim + 3 * dim))));
    add(`${b}.attention.in_proj_bias`, [3 * dim], new Float32Array(3 * dim));
    add(`${b}.attention.out_proj.weight`, [dim, dim], symmetric(dim * dim, seed++, 1 / Math.sqrt(dim)));
    add(`${b}.attention.out_proj.bias`, [dim], new Float32Array(dim));
    norm(`${b}.norm2`);
    linear(`${b}.mlp.0`, 4 * dim, dim);
    linear(`${b}.mlp.2`, dim, 4 * dim);
  }
  norm('norm');
  linear('head', vocab, dim);
  for (const p of params) if (p.data.length !== numel(p.shape)) throw new Error(`w7Params: ${p.name} has ${p.data.length} values for ${p.shape}`);
  return params;
}

/** One batch: `[batch, context]` token ids and the next token of each, as int32. */
export function w7Batch(config = W7) {
  const { vocab, context, batch } = config;
  const n = batch * context;
  const ids = Int32Array.from(uniform(n, 7), (u) => Math.floor(u * vocab));
  const targets = Int32Array.from(uniform(n, 8), (u) => Math.floor(u * vocab));
  return { ids: array([batch, context], ids), targets: array([batch, context], targets) };
}

/** Everything a peer needs, for W7's sizes or others (the tests' smaller model). */
export function w7Inputs(config = W7) {
  return { config, params: w7Params(config), ...w7Batch(config) };
}
