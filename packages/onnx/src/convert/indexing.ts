import type { TracedOp } from '@tapegrad/core';
import type { ConvertContext, Converter } from './convert-context.js';
import { reshapeTo } from './movement.js';

type Op<K extends TracedOp['op']> = Extract<TracedOp, { op: K }>;

/**
 * `x` cut to `index`'s sizes outside `dim` where the index is smaller
 * (tapegrad's gather and scatterAdd allow that; ONNX's element-wise ones
 * want equal sizes).
 */
function fitTo(c: ConvertContext, x: string, xi: number, ii: number, dim: number): string {
  const [xa, ia] = [c.op.inputs[xi]!.shape, c.op.inputs[ii]!.shape];
  const [xb, ib] = [c.alt.inputs[xi]!.shape, c.alt.inputs[ii]!.shape];
  const axes = xa.map((_, d) => d).filter((d) => d !== dim && (ia[d]! < xa[d]! || ib[d]! < xb[d]!));
  if (axes.length === 0) return x;
  const ends = c.ints(
    axes.map((d) => ia[d]!),
    axes.map((d) => ib[d]!),
  );
  return c.g.op('Slice', [x, c.g.int64s(axes.map(() => 0)), ends, c.g.int64s(axes)]);
}

/**
 * Whether this gather reads max pooling's maxima: `x.reshape([N, C, H·W])`
 * at `maxPoolIndices(x).reshape([N, C, L])` along dim 2. Then it is MaxPool's
 * first output, and the indices need not be computed at all.
 */
function pooledValues(c: ConvertContext<Op<'gather'>>): string | null {
  const readData = c.producer(c.op, 0);
  const readIndex = c.producer(c.op, 1);
  if (c.op.params.dim !== 2 || readIndex?.op !== 'reshape' || readData?.op !== 'reshape') return null;
  const pool = c.producer(readIndex, 0);
  if (pool?.op !== 'maxPoolIndices' || readData.inputs[0] !== pool.inputs[0] || readData.inputVersions[0] !== pool.inputVersions[0]) return null;
  const [n, ch, h, w] = pool.inputs[0]!.shape as [number, number, number, number];
  const flat = c.op.inputs[0]!.shape;
  if (flat.length !== 3 || flat[0] !== n || flat[1] !== ch || flat[2] !== h * w) return null;
  const values = c.memo.get(pool.output);
  return values === undefined ? null : reshapeTo(c, values, c.op.output.shape, c.alt.output.shape);
}

/** `gather` along `dim`: GatherElements (max pooling's gather: MaxPool's values). */
export const gatherConverter: Converter<Op<'gather'>> = (c) => {
  const pooled = pooledValues(c);
  if (pooled !== null) return pooled;
  const dim = c.op.params.dim;
  return c.g.op('GatherElements', [fitTo(c, c.input(0), 0, 1, dim), c.input(1)], { axis: dim });
};

/** `scatterAdd` along `dim`: ScatterElements with reduction 'add' (src cut to the index's sizes). */
export const scatterAddConverter: Converter<Op<'scatterAdd'>> = (c) => {
  const dim = c.op.params.dim;
  const src = fitTo(c, c.input(2), 2, 1, -1);
  return c.g.op('ScatterElements', [c.input(0), c.input(1), src], { axis: dim, reduction: 'add' });
};
