/**
 * A tiny character-level transformer: token and position embeddings, one
 * pre-norm block of causal multi-head self-attention and an MLP, and a linear
 * read-out to the next character. It learns a short text by heart and then
 * continues a prompt from it, one character at a time.
 *
 * Run it: `pnpm --filter @tapegrad/examples char-transformer`
 */
import { pathToFileURL } from 'node:url';
import { arange, Generator, manualSeed, noGrad, tensor, type Tensor } from '@tapegrad/core';
import { crossEntropy, Embedding, GELU, LayerNorm, Linear, Module, MultiheadAttention, Sequential } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';

/** The text it learns. */
export const TEXT = 'the tape records every op in the order it runs; walking it backwards gives every gradient at once. ';

/** Sizes of the model. */
export interface TransformerConfig {
  readonly vocab: number;
  readonly context: number;
  readonly dim: number;
  readonly heads: number;
}

/** One pre-norm transformer block: `x + attention(norm(x))`, then `x + mlp(norm(x))`. */
class Block extends Module<[Tensor], Tensor> {
  readonly norm1: LayerNorm;
  readonly attention: MultiheadAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Sequential;

  constructor(dim: number, heads: number, generator: Generator) {
    super();
    this.norm1 = new LayerNorm(dim);
    this.attention = new MultiheadAttention(dim, heads, { batchFirst: true, generator });
    this.norm2 = new LayerNorm(dim);
    this.mlp = new Sequential(new Linear(dim, 4 * dim, { generator }), new GELU(), new Linear(4 * dim, dim, { generator }));
  }

  forward(x: Tensor): Tensor {
    const h = this.norm1.forward(x);
    // isCausal: position t attends only to positions ≤ t, so it cannot peek at the answer.
    const [attended] = this.attention.forward(h, h, h, { isCausal: true, needWeights: false });
    const y = x.add(attended);
    return y.add(this.mlp.forward(this.norm2.forward(y)));
  }
}

/** Embeddings, one block, a final norm and the read-out to logits over the vocabulary. */
export class CharTransformer extends Module<[Tensor], Tensor> {
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly block: Block;
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(readonly config: TransformerConfig, seed = 0) {
    super();
    const generator = new Generator(seed);
    this.tokens = new Embedding(config.vocab, config.dim, { generator });
    this.positions = new Embedding(config.context, config.dim, { generator });
    this.block = new Block(config.dim, config.heads, generator);
    this.norm = new LayerNorm(config.dim);
    this.head = new Linear(config.dim, config.vocab, { generator });
  }

  /** `ids` `[N, T]` (int32) → logits `[N, T, vocab]` for the character after each position. */
  forward(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    const x = this.tokens.forward(ids).add(this.positions.forward(arange(0, t, 1, { dtype: 'int32' })));
    return this.head.forward(this.norm.forward(this.block.forward(x)));
  }
}

/** The characters of `text`, sorted, and maps both ways. */
export function vocabulary(text: string): { chars: string[]; encode: (s: string) => number[]; decode: (ids: number[]) => string } {
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    encode: (s) => [...s].map((c) => index.get(c) ?? 0),
    decode: (ids) => ids.map((i) => chars[i] ?? '?').join(''),
  };
}

/** Trains on random windows of the text; returns the losses of every step. */
export function trainCharTransformer(model: CharTransformer, text: string, steps: number, seed = 0): number[] {
  manualSeed(seed);
  const { encode } = vocabulary(text);
  const ids = encode(text);
  const { context } = model.config;
  const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
  const random = new Generator(seed + 7);
  const batch = 16;
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let b = 0; b < batch; b++) {
      const start = Math.floor(random.nextFloat() * (ids.length - context - 1));
      xs.push(ids.slice(start, start + context));
      ys.push(ids.slice(start + 1, start + context + 1));
    }
    const logits = model.forward(tensor(xs, { dtype: 'int32' }));
    // crossEntropy takes the classes in dim 1: [N, vocab, T] against targets [N, T].
    const loss = crossEntropy(logits.transpose(1, 2), tensor(ys, { dtype: 'int32' }));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return losses;
}

/** Continues `prompt` by `length` characters, always taking the likeliest next one. */
export function continueText(model: CharTransformer, text: string, prompt: string, length: number): string {
  const { encode, decode } = vocabulary(text);
  const ids = encode(prompt);
  model.eval();
  noGrad(() => {
    for (let i = 0; i < length; i++) {
      const window = ids.slice(-model.config.context);
      const logits = model.forward(tensor([window], { dtype: 'int32' }));
      ids.push(logits.select(1, window.length - 1).argmax(1).item());
    }
  });
  model.train();
  return decode(ids);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = Number(process.argv[2] ?? 300);
  const { chars } = vocabulary(TEXT);
  const model = new CharTransformer({ vocab: chars.length, context: 24, dim: 48, heads: 4 });
  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  console.log(`${params.toLocaleString('en-US')} parameters, ${chars.length} characters, ${steps} steps`);
  const losses = trainCharTransformer(model, TEXT, steps);
  console.log(`loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
  console.log(JSON.stringify(continueText(model, TEXT, 'the tape rec', 70)));
}
