import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, randint, randn, stack, where, zeros, type Tensor } from '@tapegrad/core';
import { Embedding, GELU, GRU, LSTM, LayerNorm, Linear, Module, MultiheadAttention, ReLU, Sequential, parameter, type Parameter } from '@tapegrad/nn';
import { exportOnnx } from '@tapegrad/onnx';
import { buildModel } from '../../../examples/mnist/src/models.js';
import { decodeModel } from './proto-decoder.js';
import { maxAbsDiff, runOnnx } from './ort.js';

// float32 through a few layers: both runtimes round each op, in other orders.
const TOL = 1e-4;

/** Runs the exported model in ONNX Runtime on `feeds` and returns max |ORT − tapegrad| over the outputs. */
async function compare(bytes: Uint8Array, feeds: Record<string, Tensor>, want: Record<string, Tensor>): Promise<number> {
  const got = await runOnnx(bytes, feeds);
  let worst = 0;
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (g === undefined) throw new Error(`ONNX Runtime gave no output '${name}'`);
    expect(g.shape).toEqual(w.shape);
    worst = Math.max(worst, maxAbsDiff(g, w));
  }
  return worst;
}

class TransformerBlock extends Module<[Tensor], Tensor> {
  readonly ln1: LayerNorm;
  readonly attn: MultiheadAttention;
  readonly ln2: LayerNorm;
  readonly mlp: Sequential;
  constructor(
    embed: number,
    heads: number,
    generator: Generator,
    private readonly mask: Tensor | null = null,
  ) {
    super();
    this.ln1 = new LayerNorm(embed);
    this.attn = new MultiheadAttention(embed, heads, { batchFirst: true, generator });
    this.ln2 = new LayerNorm(embed);
    this.mlp = new Sequential(new Linear(embed, 4 * embed, { generator }), new GELU(), new Linear(4 * embed, embed, { generator }));
  }
  forward(x: Tensor): Tensor {
    const h = this.ln1.forward(x);
    const [a] = this.mask === null ? this.attn.forward(h, h, h, { isCausal: true, needWeights: false }) : this.attn.forward(h, h, h, { attnMask: this.mask, needWeights: false });
    const y = x.add(a);
    return y.add(this.mlp.forward(this.ln2.forward(y)));
  }
}

class TinyLanguageModel extends Module<[Tensor], Tensor> {
  readonly tokens: Embedding;
  readonly positions: Parameter;
  readonly block: TransformerBlock;
  readonly head: Linear;
  constructor(vocab: number, embed: number, context: number, generator: Generator) {
    super();
    this.tokens = new Embedding(vocab, embed, { generator });
    this.positions = parameter(randn([context, embed], { generator }).mul(0.1));
    this.block = new TransformerBlock(embed, 2, generator);
    this.head = new Linear(embed, vocab, { generator });
  }
  forward(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    const x = this.tokens.forward(ids).add(this.positions.narrow(0, 0, t));
    return this.head.forward(this.block.forward(x));
  }
}

/** An LSTM layer unrolled by hand from core ops: matmul, chunk, sigmoid, tanh, mul, add, select, stack. */
class HandLstm extends Module<[Tensor], Tensor[]> {
  readonly wIh: Parameter;
  readonly wHh: Parameter;
  readonly bias: Parameter;
  constructor(
    inputSize: number,
    private readonly hidden: number,
    generator: Generator,
  ) {
    super();
    this.wIh = parameter(randn([inputSize, 4 * hidden], { generator }).mul(0.3));
    this.wHh = parameter(randn([hidden, 4 * hidden], { generator }).mul(0.3));
    this.bias = parameter(randn([4 * hidden], { generator }).mul(0.1));
  }
  forward(x: Tensor): Tensor[] {
    const [n, steps] = x.shape as [number, number];
    let h = zeros([n, this.hidden]);
    let c = zeros([n, this.hidden]);
    const outs: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const gates = x.select(1, t).matmul(this.wIh).add(h.matmul(this.wHh)).add(this.bias);
      const [i, f, g, o] = gates.chunk(4, 1) as [Tensor, Tensor, Tensor, Tensor];
      c = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
      h = o.sigmoid().mul(c.tanh());
      outs.push(h);
    }
    return [stack(outs, 1), h, c];
  }
}

describe('exported models run in ONNX Runtime and agree with tapegrad', () => {
  it('an MLP, traced at batch 3, run at batch 5', async () => {
    manualSeed(0);
    const generator = new Generator(1);
    const model = new Sequential(new Linear(6, 16, { generator }), new ReLU(), new Linear(16, 4, { generator }));
    const bytes = exportOnnx(model, [randn([3, 6])], { inputNames: ['x'], outputNames: ['y'], dynamicBatch: true });
    const x = randn([5, 6]);
    expect(await compare(bytes, { x }, { y: model.forward(x) })).toBeLessThan(TOL);
  });

  it('the MNIST CNN (conv, ReLU, max pooling, flatten, linear), traced at batch 2, run at batch 7', async () => {
    manualSeed(1);
    const model = buildModel('cnn', 0);
    const bytes = exportOnnx(model, [randn([2, 1, 28, 28])], { inputNames: ['pixels'], outputNames: ['logits'], dynamicBatch: true });
    const nodes = decodeModel(bytes).graph.nodes;
    const ops = nodes.map((n) => n.opType);
    // Max pooling's gather of its own maxima becomes MaxPool's values, with no index arithmetic left.
    expect(ops.filter((o) => o === 'MaxPool')).toHaveLength(2);
    expect(ops).not.toContain('GatherElements');
    // Each layer's bias is Conv's third input, B, not an Add after it.
    const convs = nodes.filter((n) => n.opType === 'Conv');
    expect(convs.map((n) => n.inputs.length)).toEqual([3, 3]);
    const pixels = randn([7, 1, 28, 28]);
    expect(await compare(bytes, { pixels }, { logits: model.forward(pixels) })).toBeLessThan(TOL);
  });

  it('a transformer block (causal multi-head attention, LayerNorm, Linear–GELU–Linear, residuals), traced at batch 2, run at batch 3', async () => {
    manualSeed(2);
    const block = new TransformerBlock(8, 2, new Generator(3));
    const bytes = exportOnnx(block, [randn([2, 5, 8])], { dynamicBatch: true });
    const x = randn([3, 5, 8]);
    expect(await compare(bytes, { input: x }, { output: block.forward(x) })).toBeLessThan(TOL);
  });

  it('a transformer block with a float attention mask', async () => {
    manualSeed(3);
    const mask = where(randn([4, 4]).gt(0), 0, -1e4);
    const block = new TransformerBlock(8, 2, new Generator(4), mask);
    const bytes = exportOnnx(block, [randn([2, 4, 8])], { dynamicBatch: true });
    const x = randn([1, 4, 8]);
    expect(await compare(bytes, { input: x }, { output: block.forward(x) })).toBeLessThan(TOL);
  });

  it('a tiny language model: int32 token ids through an embedding, positions, a block and a head', async () => {
    manualSeed(4);
    const model = new TinyLanguageModel(11, 8, 6, new Generator(5));
    const bytes = exportOnnx(model, [randint(0, 11, [2, 6])], { inputNames: ['ids'], outputNames: ['logits'], dynamicBatch: true });
    const ids = randint(0, 11, [4, 6]);
    expect(await compare(bytes, { ids }, { logits: model.forward(ids) })).toBeLessThan(TOL);
  });

  it('an LSTM unrolled by hand from core ops, with zero initial states that follow the batch', async () => {
    manualSeed(5);
    const model = new HandLstm(3, 4, new Generator(6));
    const bytes = exportOnnx(model, [randn([2, 5, 3])], { outputNames: ['seq', 'h', 'c'], dynamicBatch: true });
    const x = randn([6, 5, 3]);
    const [seq, h, c] = model.forward(x) as [Tensor, Tensor, Tensor];
    expect(await compare(bytes, { input: x }, { seq, h, c })).toBeLessThan(TOL);
  });

  it('nn.LSTM: two layers, bidirectional, batch first, from zero states and from given ones, traced at batch 2, run at batch 5', async () => {
    manualSeed(6);
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, generator: new Generator(7) });
    const fromZeros = (x: Tensor): Tensor[] => {
      const [out, [h, c]] = lstm.forward(x);
      return [out, h, c];
    };
    const bytes = exportOnnx(fromZeros, [randn([2, 6, 3])], { outputNames: ['out', 'h', 'c'], dynamicBatch: true });
    const x = randn([5, 6, 3]);
    const [out, h, c] = fromZeros(x) as [Tensor, Tensor, Tensor];
    expect(await compare(bytes, { input: x }, { out, h, c })).toBeLessThan(TOL);

    // Initial states are [D·layers, N, H]: their batch dim is 1.
    const fromStates = (seq: Tensor, h0: Tensor, c0: Tensor): Tensor => lstm.forward(seq, [h0, c0])[0];
    const withStates = exportOnnx(fromStates, [randn([2, 6, 3]), randn([4, 2, 4]), randn([4, 2, 4])], { dynamicBatch: true, batchAxes: [0, 1, 1] });
    const [h0, c0] = [randn([4, 5, 4]), randn([4, 5, 4])];
    expect(await compare(withStates, { input0: x, input1: h0, input2: c0 }, { output: fromStates(x, h0, c0) })).toBeLessThan(TOL);
  });

  it('nn.GRU, sequence first, traced at batch 3, run at batch 1', async () => {
    manualSeed(8);
    const gru = new GRU(3, 5, { generator: new Generator(9) });
    const run = (x: Tensor): Tensor => gru.forward(x)[0];
    const bytes = exportOnnx(run, [randn([4, 3, 3])], { dynamicBatch: true, batchAxes: [1] });
    const x = randn([4, 1, 3]);
    expect(await compare(bytes, { input: x }, { output: run(x) })).toBeLessThan(TOL);
  });
});
