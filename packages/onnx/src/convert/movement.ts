import type { TracedOp } from '@tapegrad/core';
import { INT64_BEFORE_START } from '../graph-builder.js';
import type { ConvertContext, Converter } from './convert-context.js';

type Op<K extends TracedOp['op']> = Extract<TracedOp, { op: K }>;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * `reshape`: the logical row-major order is ONNX's too, so strides play no
 * part. A size that follows the batch becomes -1 when it is the only one,
 * else it is computed from the batch size; a 0 in the shape is a real empty
 * dim (`allowzero`), not ONNX's "copy this dim".
 */
export const reshapeConverter: Converter<Op<'reshape'>> = (c) => reshapeTo(c, c.input(0), c.op.params.shape, c.alt.params.shape);

/** `x` reshaped to `a` (in the traced pass; `b` in the second); a Reshape of a Reshape reads the first one's input. */
export function reshapeTo(c: ConvertContext, value: string, a: readonly number[], b: readonly number[]): string {
  const inner = c.g.maker(value);
  const x = inner?.opType === 'Reshape' ? inner.inputs[0]! : value;
  const varying = range(a.length).filter((i) => a[i] !== b[i]);
  const zero = a.includes(0) || b.includes(0);
  const shape = varying.length === 1 && !zero ? c.g.int64s(a.map((s, i) => (i === varying[0] ? -1 : s))) : c.ints(a, b);
  return c.g.op('Reshape', [x, shape], zero ? { allowzero: 1 } : {});
}

/** `permute`: Transpose; a permute of a permute is one Transpose of the composed order (none when that is the identity). */
export const permuteConverter: Converter<Op<'permute'>> = (c) => {
  const inner = c.g.maker(c.input(0));
  const innerPerm = inner?.opType === 'Transpose' ? inner.attributes.find((a) => a.name === 'perm') : undefined;
  const [x, perm] = innerPerm?.type === 'ints' ? [inner!.inputs[0]!, c.op.params.dims.map((d) => innerPerm.value[d]!)] : [c.input(0), c.op.params.dims];
  return perm.every((d, i) => d === i) ? x : c.g.op('Transpose', [x], { perm });
};

/**
 * `expand`: Expand broadcasts both ways, so a target size the input already
 * has can be written 1; only sizes the input broadcasts up to are spelled out
 * (from the batch size when they follow it).
 */
export const expandConverter: Converter<Op<'expand'>> = (c) => {
  const x = c.op.inputs[0]!.shape;
  const xb = c.alt.inputs[0]!.shape;
  const lead = c.op.params.shape.length - x.length;
  const keep = (i: number, a: readonly number[], own: readonly number[]): number => (i >= lead && own[i - lead] === a[i] ? 1 : a[i]!);
  const a = c.op.params.shape.map((_, i) => keep(i, c.op.params.shape, x));
  const b = c.alt.params.shape.map((_, i) => keep(i, c.alt.params.shape, xb));
  return c.g.op('Expand', [c.input(0), c.ints(a, b)]);
};

/** The ONNX Slice end of `len` elements from `start` taken `step` apart. */
function sliceEnd(start: number, step: number, len: number): number | bigint {
  if (len === 0) return start;
  const last = start + step * (len - 1);
  if (step > 0) return last + 1;
  // A negative end counts from the back in ONNX: "before element 0" needs the sentinel.
  return last - 1 < 0 ? INT64_BEFORE_START : last - 1;
}

/** `slice` (a strided window: narrow, select, chunk, flip…): Slice over the dims it changes. */
export const sliceConverter: Converter<Op<'slice'>> = (c) => {
  const p = c.op.params;
  const q = c.alt.params;
  const x = c.op.inputs[0]!.shape;
  const xb = c.alt.inputs[0]!.shape;
  const whole = (d: number): boolean => p.starts[d] === 0 && p.steps[d] === 1 && p.shape[d] === x[d] && q.starts[d] === 0 && q.steps[d] === 1 && q.shape[d] === xb[d];
  const axes = range(x.length).filter((d) => !whole(d));
  if (axes.length === 0) return c.input(0);
  const steps = axes.map((d) => c.same(`the step of dim ${d}`, p.steps[d]!, q.steps[d]!));
  const ends = (w: typeof p): (number | bigint)[] => axes.map((d) => sliceEnd(w.starts[d]!, w.steps[d]!, w.shape[d]!));
  const [endsA, endsB] = [ends(p), ends(q)];
  const sentinel = endsA.map((e, i) => typeof e === 'bigint' || typeof endsB[i] === 'bigint');
  const endsName = sentinel.some((s) => s)
    ? c.g.int64s(endsA.map((e, i) => (sentinel[i] ? INT64_BEFORE_START : c.same(`the end of dim ${axes[i]}`, e, endsB[i]!))))
    : c.ints(endsA as number[], endsB as number[]);
  const starts = c.ints(
    axes.map((d) => p.starts[d]!),
    axes.map((d) => q.starts[d]!),
  );
  return c.g.op('Slice', [c.input(0), starts, endsName, c.g.int64s(axes), c.g.int64s(steps)]);
};

/**
 * `unslice` (what `pad` and the gradients of windows use): the input placed
 * at `starts`, `steps` apart, in zeros of `shape`. Negative steps reverse the
 * input first; steps above 1 spread it out (a dim of step-1 zeros after each
 * element, merged and cut); then Pad puts it in place.
 */
export const unsliceConverter: Converter<Op<'unslice'>> = (c) => {
  const p = c.op.params;
  const q = c.alt.params;
  let x = c.input(0);
  let shapeA = c.op.inputs[0]!.shape.slice();
  let shapeB = c.alt.inputs[0]!.shape.slice();
  const startsA = p.starts.slice();
  const startsB = q.starts.slice();
  for (let d = 0; d < shapeA.length; d++) {
    const step = c.same(`the step of dim ${d}`, p.steps[d]!, q.steps[d]!);
    if (step < 0) {
      x = c.g.op('Slice', [x, c.g.int64s([-1]), c.g.int64s([INT64_BEFORE_START]), c.g.int64s([d]), c.g.int64s([-1])]);
      startsA[d] = startsA[d]! + step * (shapeA[d]! - 1);
      startsB[d] = startsB[d]! + step * (shapeB[d]! - 1);
    }
    const s = Math.abs(step);
    if (s > 1) {
      // [.., n, ..] → [.., n, s, ..] with zeros after each element → [.., n·s, ..] → the first (n−1)·s + 1.
      const widen = (sh: readonly number[]): number[] => [...sh.slice(0, d + 1), 1, ...sh.slice(d + 1)];
      const spread = (sh: readonly number[]): number[] => [...sh.slice(0, d), sh[d]! * s, ...sh.slice(d + 1)];
      const pads = new Array<number>(2 * (shapeA.length + 1)).fill(0);
      pads[shapeA.length + 1 + d + 1] = s - 1;
      x = reshapeTo(c, x, widen(shapeA), widen(shapeB));
      x = c.g.op('Pad', [x, c.g.int64s(pads)]);
      x = reshapeTo(c, x, spread(shapeA), spread(shapeB));
      const cut = (n: number): number => (n === 0 ? 0 : (n - 1) * s + 1);
      x = c.g.op('Slice', [x, c.g.int64s([0]), c.ints([cut(shapeA[d]!)], [cut(shapeB[d]!)]), c.g.int64s([d]), c.g.int64s([1])]);
      shapeA = shapeA.map((n, i) => (i === d ? cut(n) : n));
      shapeB = shapeB.map((n, i) => (i === d ? cut(n) : n));
    }
  }
  const after = (out: readonly number[], starts: readonly number[], sh: readonly number[]): number[] => out.map((n, d) => n - starts[d]! - sh[d]!);
  const pads = c.ints([...startsA, ...after(p.shape, startsA, shapeA)], [...startsB, ...after(q.shape, startsB, shapeB)]);
  return c.g.op('Pad', [x, pads]);
};

/** `cat`: Concat, every input in the result dtype. */
export const catConverter: Converter<Op<'cat'>> = (c) =>
  c.g.op(
    'Concat',
    c.op.inputs.map((t, i) => c.cast(c.input(i), t.dtype, c.op.output.dtype)),
    { axis: c.op.params.dim },
  );

/** `contiguous` and `detach` change nothing an ONNX graph can see: the output is the input. */
export const aliasConverter: Converter<Op<'contiguous' | 'detach'>> = (c) => c.input(0);

/**
 * `unfold` (sliding windows along one dim, a view): a Gather of the window
 * positions `[windows, size]` along the dim, then the window axis moved last.
 */
export const unfoldConverter: Converter<Op<'unfold'>> = (c) => {
  const { dim, size, step, dilation } = c.op.params;
  const windows = c.op.output.shape[dim]!;
  const positions = new Int32Array(windows * size);
  for (let w = 0; w < windows; w++) for (let k = 0; k < size; k++) positions[w * size + k] = w * step + k * dilation;
  const gathered = c.g.op('Gather', [c.input(0), c.g.initializer('int32', [windows, size], positions)], { axis: dim });
  const ndim = c.op.inputs[0]!.ndim;
  if (dim === ndim - 1) return gathered;
  const perm = [...range(dim + 1), ...range(ndim).slice(dim + 1).map((d) => d + 1), dim + 1];
  return c.g.op('Transpose', [gathered], { perm });
};

/**
 * `fold` (the adjoint of unfold: overlapping windows summed back): the
 * window axis moved next to the windows and merged with them, then a
 * ScatterElements that adds each element at its position along the dim.
 */
export const foldConverter: Converter<Op<'fold'>> = (c) => {
  const { dim, size, step, dilation } = c.op.params;
  const xa = c.op.inputs[0]!.shape;
  const xb = c.alt.inputs[0]!.shape;
  const ndim = xa.length - 1;
  const windows = xa[dim]!;
  // [.., W, .., K] → [.., W, K, ..] → [.., W·K, ..]
  const perm = [...range(dim + 1), ndim, ...range(ndim).slice(dim + 1)];
  const moved = dim === ndim - 1 ? c.input(0) : c.g.op('Transpose', [c.input(0)], { perm });
  const merged = (sh: readonly number[]): number[] => sh.slice(0, ndim).map((n, d) => (d === dim ? n * size : n));
  const updates = reshapeTo(c, moved, merged(xa), merged(xb));
  const positions = new Int32Array(windows * size);
  for (let w = 0; w < windows; w++) for (let k = 0; k < size; k++) positions[w * size + k] = w * step + k * dilation;
  const along = range(ndim).map((d) => (d === dim ? windows * size : 1));
  return scatterAddInto(c, updates, c.g.initializer('int32', along, positions), dim, c.op.output.shape, c.alt.output.shape);
};

/**
 * Zeros of `outA` (`outB` in the second pass) with `updates` added at
 * `positions` (broadcast to the updates' shape) along `axis`.
 */
export function scatterAddInto(c: ConvertContext, updates: string, positions: string, axis: number, outA: readonly number[], outB: readonly number[]): string {
  const zeros = c.g.op('ConstantOfShape', [c.ints(outA, outB)], { value: c.g.scalarTensor(c.op.output.dtype, 0) });
  const index = c.g.op('Expand', [positions, c.g.op('Shape', [updates])]);
  return c.g.op('ScatterElements', [zeros, index, updates], { axis, reduction: 'add' });
}

/**
 * `write` (an in-place op: the value written into the target): the value in
 * the target's dtype, broadcast to its shape. Later reads of the target read
 * this; its old value is not read.
 */
export const writeConverter: Converter<Op<'write'>> = (c) => {
  const [target, value] = [c.op.inputs[0]!, c.op.inputs[1]!];
  const x = c.cast(c.input(1), value.dtype, target.dtype);
  const [va, vb] = [value.shape, c.alt.inputs[1]!.shape];
  const [ta, tb] = [target.shape, c.alt.inputs[0]!.shape];
  if (va.join() === ta.join() && vb.join() === tb.join()) return x;
  const lead = ta.length - va.length;
  const keep = (t: readonly number[], v: readonly number[]): number[] => t.map((s, i) => (i >= lead && v[i - lead] === s ? 1 : s));
  return c.g.op('Expand', [x, c.ints(keep(ta, va), keep(tb, vb))]);
};
