// W7 in tapegrad: the char-transformer example's model built from
// @tapegrad/nn's modules (Embedding, LayerNorm, MultiheadAttention with
// isCausal, Linear–GELU–Linear, crossEntropy) and @tapegrad/optim's AdamW,
// its parameters loaded with loadStateDict from the shared inputs.
import * as tg from '@tapegrad/core';
import { crossEntropy, Embedding, GELU, LayerNorm, Linear, Module, ModuleList, MultiheadAttention, Sequential } from '@tapegrad/nn';
import { AdamW } from '@tapegrad/optim';
import { onBackend } from '../cross-check.mjs';

/** `x + attention(norm1(x))`, then `+ mlp(norm2(·))`: the example's pre-norm block. */
class Block extends Module {
  constructor(dim, heads) {
    super();
    this.norm1 = new LayerNorm(dim);
    this.attention = new MultiheadAttention(dim, heads, { batchFirst: true });
    this.norm2 = new LayerNorm(dim);
    this.mlp = new Sequential(new Linear(dim, 4 * dim), new GELU(), new Linear(4 * dim, dim));
  }

  forward(x) {
    const h = this.norm1.forward(x);
    const [attended] = this.attention.forward(h, h, h, { isCausal: true, needWeights: false });
    const y = x.add(attended);
    return y.add(this.mlp.forward(this.norm2.forward(y)));
  }
}

/** Embeddings, `layers` blocks, a final norm, the read-out to logits. */
class Transformer extends Module {
  constructor({ vocab, context, dim, heads, layers }) {
    super();
    this.tokens = new Embedding(vocab, dim);
    this.positions = new Embedding(context, dim);
    this.blocks = new ModuleList(Array.from({ length: layers }, () => new Block(dim, heads)));
    this.norm = new LayerNorm(dim);
    this.head = new Linear(dim, vocab);
  }

  forward(ids) {
    let x = this.tokens.forward(ids).add(this.positions.forward(tg.arange(0, ids.shape[1], 1, { dtype: 'int32' })));
    for (const block of this.blocks) x = block.forward(x);
    return this.head.forward(this.norm.forward(x));
  }
}

/** W7 for a tapegrad library object of libs/ (its backend active), checked against its column's backend in every step. */
export function w7Tapegrad(lib) {
  return ({ config, params, ids, targets }) => {
    const model = new Transformer(config);
    const { missingKeys, unexpectedKeys } = model.loadStateDict(new Map(params.map((p) => [p.name, tg.tensor(p.data, { shape: p.shape })])));
    if (missingKeys.length + unexpectedKeys.length > 0) throw new Error(`W7: parameters ${[...missingKeys, ...unexpectedKeys].join(', ')} do not match`);
    const x = tg.tensor(ids.data, { shape: ids.shape, dtype: 'int32' });
    const y = tg.tensor(targets.data, { shape: targets.shape, dtype: 'int32' });
    const { lr, betas, eps, weightDecay } = config;
    const opt = new AdamW(model.parameters(), { lr, betas, eps, weightDecay });
    const run = () => {
      // crossEntropy takes the classes in dim 1: [N, vocab, T] against targets [N, T].
      const loss = crossEntropy(model.forward(x).transpose(1, 2), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    };
    return { run: onBackend(lib.name, lib.backend, () => tg.getBackend().name, run), read: async (v) => [[v]] };
  };
}
