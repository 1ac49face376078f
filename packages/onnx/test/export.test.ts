import { describe, expect, it } from 'vitest';
import {
  Generator,
  adaptiveAvgPool2d,
  arange,
  where,
  autogradGrad,
  avgPool2d,
  col2im,
  conv1d,
  conv2d,
  enableGrad,
  fold,
  im2col,
  manualSeed,
  maxPool2d,
  ones,
  randint,
  randn,
  unfold,
  zeros,
  type Tensor,
} from '@tapegrad/core';
import { BatchNorm2d, Dropout, Embedding, Linear, ReLU, Sequential } from '@tapegrad/nn';
import { ONNX_OPSET, exportOnnx } from '@tapegrad/onnx';
import { ProtoWriter } from '../src/proto/proto-writer.js';
import { decodeModel, decodeWire } from './proto-decoder.js';
import { maxAbsDiff, runOnnx } from './ort.js';

describe('the protobuf writer', () => {
  it('writes varints, floats, strings, bytes, packed numbers and nested messages as a separate decoder reads them', () => {
    const inner = new ProtoWriter().string(1, 'naïve → ✓').float(2, 0.5);
    const w = new ProtoWriter()
      .varint(1, 0)
      .varint(2, 127)
      .varint(3, 128)
      .varint(4, 2 ** 31)
      .varint(5, 2 ** 53 - 1)
      .varint(6, -1)
      .varint(7, -9223372036854775807n)
      .bytes(8, new Uint8Array([1, 2, 3]))
      .packedVarints(9, [1, 300, -2])
      .message(10, inner);
    const m = decodeWire(w.finish());
    const v = (f: number): bigint => (m.get(f)![0] as { value: bigint }).value;
    expect([v(1), v(2), v(3), v(4), v(5)]).toEqual([0n, 127n, 128n, 2n ** 31n, 2n ** 53n - 1n]);
    expect(BigInt.asIntN(64, v(6))).toBe(-1n);
    expect(BigInt.asIntN(64, v(7))).toBe(-9223372036854775807n);
    expect(Array.from((m.get(8)![0] as { bytes: Uint8Array }).bytes)).toEqual([1, 2, 3]);
    const nested = decodeWire((m.get(10)![0] as { bytes: Uint8Array }).bytes);
    expect(new TextDecoder().decode((nested.get(1)![0] as { bytes: Uint8Array }).bytes)).toBe('naïve → ✓');
    const f = (nested.get(2)![0] as { bytes: Uint8Array }).bytes;
    expect(new DataView(f.buffer, f.byteOffset).getFloat32(0, true)).toBe(0.5);
    // The writer's 2-byte encoding of 300 and ten-byte encoding of −2, inside one packed field.
    expect(Array.from((m.get(9)![0] as { bytes: Uint8Array }).bytes)).toEqual([1, 0xac, 0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('writes a model: IR 8, opset 17, the producer, named inputs and outputs with a batch dim, parameters as initializers', () => {
    const model = new Sequential(new Linear(3, 4, { generator: new Generator(0) }), new ReLU());
    const m = decodeModel(exportOnnx(model, [randn([2, 3])], { inputNames: ['features'], outputNames: ['hidden'], dynamicBatch: true, batchDimName: 'n' }));
    expect(m.irVersion).toBe(8);
    expect(m.opsets).toEqual([{ domain: '', version: ONNX_OPSET }]);
    expect(ONNX_OPSET).toBe(17);
    expect(m.producerName).toBe('tapegrad');
    expect(m.graph.inputs).toEqual([{ name: 'features', elemType: 1, shape: ['n', 3] }]);
    expect(m.graph.outputs).toEqual([{ name: 'hidden', elemType: 1, shape: ['n', 4] }]);
    const weight = m.graph.initializers.find((t) => t.name === '0.weight')!;
    expect(weight.dims).toEqual([4, 3]);
    expect(Array.from(new Float32Array(weight.raw.slice().buffer))).toEqual(Array.from(model.namedParameters()[0]![1].data));
    expect(m.graph.initializers.map((t) => t.name)).toContain('0.bias');
  });
});

/** Exports `fn` (traced on `inputs`) and checks ONNX Runtime against tapegrad on each set of `runs`. */
async function agrees(fn: ((...xs: Tensor[]) => Tensor) | Sequential, inputs: Tensor[], runs: Tensor[][], options: Parameters<typeof exportOnnx>[2] = {}): Promise<Uint8Array> {
  const bytes = exportOnnx(fn, inputs, options);
  for (const xs of runs) {
    const feeds = Object.fromEntries(xs.map((t, i) => [xs.length === 1 ? 'input' : `input${i}`, t]));
    const { output } = await runOnnx(bytes, feeds);
    const want = fn instanceof Sequential ? (fn.forward(xs[0]!) as Tensor) : fn(...xs);
    expect(output!.shape).toEqual(want.shape);
    expect(maxAbsDiff(output!, want)).toBeLessThan(1e-4);
  }
  return bytes;
}

describe('a dynamic batch', () => {
  it('leaves no traced batch size in Reshape and Expand: shapes that follow it are -1 or computed from the input', async () => {
    manualSeed(0);
    const fn = (x: Tensor): Tensor => {
      const [n] = x.shape as [number];
      const rows = x.reshape([n * 3, -1]).exp(); // two sizes that follow the batch: n·3, then n
      const back = rows.reshape([n, 3, 4]).sum(2, true); // [n, 3, 1]
      const wide = back.expand([n, 3, 5]); // the batch is the input's own: kept as 1
      const grown = ones([1, 3, 5]).expand([n, 3, 5]); // a constant broadcast up to the batch
      return wide.add(grown).add(zeros([n, 3, 5])); // zeros shaped by the batch
    };
    const bytes = await agrees(fn, [randn([2, 12])], [[randn([1, 12])], [randn([7, 12])], [randn([2, 12])]], { dynamicBatch: true });
    const { graph } = decodeModel(bytes);
    const ints = new Map(graph.initializers.filter((t) => t.dataType === 7).map((t) => [t.name, Array.from(new BigInt64Array(t.raw.slice().buffer), Number)]));
    for (const n of graph.nodes.filter((x) => x.opType === 'Reshape' || x.opType === 'Expand')) {
      const shape = ints.get(n.inputs[1]!);
      // Either computed at run time (not an initializer) or free of the traced sizes 2 and 6.
      if (shape !== undefined) expect(shape.filter((s) => s === 2 || s === 6), `${n.opType} to [${shape}]`).toEqual([]);
    }
    expect(graph.nodes.map((x) => x.opType)).toContain('Shape');
  });

  it('keeps every size fixed without it: ONNX Runtime refuses another batch size', async () => {
    const fc = new Sequential(new Linear(3, 2));
    const bytes = exportOnnx(fc, [randn([2, 3])]);
    expect(decodeModel(bytes).graph.inputs[0]!.shape).toEqual([2, 3]);
    await expect(runOnnx(bytes, { input: randn([5, 3]) })).rejects.toThrow();
  });

  it('takes the batch from the axis each input names, and leaves inputs without one fixed', async () => {
    manualSeed(1);
    const fn = (seq: Tensor, w: Tensor): Tensor => seq.transpose(0, 1).matmul(w).tanh(); // seq [T, N, C], w [C, D]
    const w = randn([4, 3]);
    await agrees(fn, [randn([5, 2, 4]), w], [[randn([5, 6, 4]), w]], { dynamicBatch: true, batchAxes: [1, null] });
    const { graph } = decodeModel(exportOnnx(fn, [randn([5, 2, 4]), w], { dynamicBatch: true, batchAxes: [1, null] }));
    expect(graph.inputs.map((i) => i.shape)).toEqual([[5, 'batch', 4], [4, 3]]);
    expect(graph.outputs[0]!.shape).toEqual(['batch', 5, 3]);
  });
});

describe('modules', () => {
  it('run in evaluation mode during the export (dropout off, batch norm on running statistics) and keep their mode', async () => {
    manualSeed(2);
    const bn = new BatchNorm2d(3);
    const model = new Sequential(bn, new Dropout(0.5), new ReLU());
    model.train();
    for (let i = 0; i < 3; i++) model.forward(randn([4, 3, 2, 2]).mul(2).add(1)); // running statistics away from 0 and 1
    const bytes = exportOnnx(model, [randn([2, 3, 2, 2])], { dynamicBatch: true });
    expect(model.training && bn.training).toBe(true);
    model.eval();
    const x = randn([3, 3, 2, 2]);
    const { output } = await runOnnx(bytes, { input: x });
    expect(maxAbsDiff(output!, model.forward(x) as Tensor)).toBeLessThan(1e-5);
  });

  it('an embedding with a padding row, and outputs that are an input or repeat a value', async () => {
    manualSeed(3);
    const emb = new Embedding(7, 3, { paddingIdx: 0 });
    const fn = (ids: Tensor) => [emb.forward(ids), ids, emb.forward(ids)] as unknown as Tensor;
    const ids = randint(0, 7, [2, 4]);
    const bytes = exportOnnx(fn, [ids], { outputNames: ['vectors', 'ids', 'again'], dynamicBatch: true });
    const other = randint(0, 7, [5, 4]);
    const out = await runOnnx(bytes, { input: other });
    expect(maxAbsDiff(out.vectors!, emb.forward(other))).toBeLessThan(1e-6);
    expect(maxAbsDiff(out.again!, emb.forward(other))).toBeLessThan(1e-6);
    expect(Array.from(out.ids!.data)).toEqual(Array.from(other.data));
  });
});

describe('convolution and pooling ops', () => {
  const image = (): Tensor => randn([2, 3, 9, 8]);
  const more = (): Tensor[][] => [[randn([5, 3, 9, 8])]];
  it('conv2d with stride, padding, dilation and groups; conv1d; both with and without bias', async () => {
    manualSeed(4);
    const w = randn([6, 1, 3, 2]);
    const w1 = randn([4, 3, 3]);
    const b = randn([6]);
    const b1 = randn([4]);
    await agrees((x) => conv2d(x, w, null, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 3 }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 3 }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => conv1d(x.reshape([x.shape[0]!, 3, 72]), w1, null, { stride: 3, padding: 1 }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => conv1d(x.reshape([x.shape[0]!, 3, 72]), w1, b1, { stride: 3, padding: 1 }), [image()], more(), { dynamicBatch: true });
  });

  it('max pooling with padding and dilation, average pooling with and without the padding counted, adaptive average pooling', async () => {
    manualSeed(5);
    await agrees((x) => maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2] }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => avgPool2d(x, [3, 2], { stride: [2, 1], padding: 1 }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => avgPool2d(x, 3, { padding: 1, countIncludePad: false }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => adaptiveAvgPool2d(x, [4, 3]), [image()], more(), { dynamicBatch: true });
  });

  it('unfold and fold, im2col and col2im', async () => {
    manualSeed(6);
    await agrees((x) => unfold(x, 2, 3, 2, 2).exp(), [image()], more(), { dynamicBatch: true });
    await agrees((x) => fold(unfold(x, 3, 3, 2), 3, 3, 2, 7), [image()], more(), { dynamicBatch: true });
    await agrees((x) => im2col(x, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }), [image()], more(), { dynamicBatch: true });
    await agrees((x) => col2im(im2col(x, 3, { padding: 1, stride: 2 }), [9, 8], 3, { padding: 1, stride: 2 }), [image()], more(), { dynamicBatch: true });
  });

  it("a transposed convolution (the input gradient of a strided conv2d, taken inside the function)", async () => {
    manualSeed(7);
    const w = randn([4, 3, 3, 3]);
    const fn = (g: Tensor): Tensor =>
      enableGrad(() => {
        const x = zeros([g.shape[0]!, 3, 9, 8]).requiresGrad_();
        return autogradGrad([conv2d(x, w, null, { stride: 2, padding: 1 })], [x], [g])[0]!;
      });
    await agrees(fn, [randn([2, 4, 5, 4])], [[randn([3, 4, 5, 4])]], { dynamicBatch: true });
  });
});

describe('the graph', () => {
  const opTypes = (fn: (x: Tensor) => Tensor, x: Tensor): string[] => decodeModel(exportOnnx(fn, [x])).graph.nodes.map((n) => n.opType);

  it('computes a repeated computation once', async () => {
    expect(opTypes((x) => x.exp().add(x.exp()), randn([2, 3]))).toEqual(['Exp', 'Add']);
    await agrees((x) => x.exp().add(x.exp()), [randn([2, 3])], [[randn([2, 3])]]);
  });

  it('writes a reshape of a reshape as one Reshape, and a permute of a permute as one Transpose or none', async () => {
    expect(opTypes((x) => x.reshape([6]).reshape([3, 2]), randn([2, 3]))).toEqual(['Reshape']);
    expect(opTypes((x) => x.mT.mT.exp(), randn([2, 3]))).toEqual(['Exp']);
    expect(opTypes((x) => x.permute([1, 2, 0]).permute([1, 2, 0]), randn([2, 3, 4]))).toEqual(['Transpose']);
    await agrees((x) => x.permute([1, 2, 0]).permute([1, 2, 0]).reshape([4, 6]).reshape([2, 12]), [randn([2, 3, 4])], [[randn([2, 3, 4])]]);
  });

  it('computes ops on constants once, at export (a causal mask is one initializer)', () => {
    const fn = (x: Tensor): Tensor => x.add(where(arange(4).unsqueeze(1).ge(arange(4)), 0, -Infinity));
    expect(opTypes(fn, randn([2, 4, 4]))).toEqual(['Add']);
  });
});
