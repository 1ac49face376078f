import { DTypeError, ShapeError, TapegradError, checkOptions, isFloating, tensor, type Tensor } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';

/**
 * How {@link interpolate} picks or mixes input elements, as PyTorch's modes:
 * `'nearest'` (PyTorch's legacy rule `⌊j·scale⌋`), `'nearest-exact'`
 * (`⌊(j + ½)·scale⌋`, the nearest centre), and the linear modes of 1, 2 and
 * 3 spatial dims (`'linear'` on `[N, C, L]`, `'bilinear'` on
 * `[N, C, H, W]`, `'trilinear'` on `[N, C, D, H, W]`).
 *
 * @example
 * ```ts
 * const mode: InterpolateMode = 'bilinear';
 * ```
 */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear';

/**
 * Options of {@link interpolate}: give exactly one of `size` (the output's
 * spatial size) and `scaleFactor` (output size `⌊input·scale⌋`); a number
 * applies to every spatial dim.
 *
 * @example
 * ```ts
 * const opts: InterpolateOptions = { scaleFactor: 2, mode: 'bilinear', alignCorners: false };
 * ```
 */
export interface InterpolateOptions {
  readonly size?: number | readonly number[];
  readonly scaleFactor?: number | readonly number[];
  /** `'nearest'` by default. */
  readonly mode?: InterpolateMode;
  /**
   * Linear modes only: true maps the corner elements of input and output
   * onto each other (`src = j·(in − 1)/(out − 1)`); false (the default)
   * maps their edges (`src = (j + ½)·in/out − ½`, clamped at 0).
   */
  readonly alignCorners?: boolean;
  /**
   * With `scaleFactor`, compute the positions from the output size
   * (`in/out`) rather than from the factor (`1/scale`), as PyTorch's
   * `recompute_scale_factor`.
   */
  readonly recomputeScaleFactor?: boolean;
}

const LINEAR_DIMS: Readonly<Record<string, number>> = { linear: 1, bilinear: 2, trilinear: 3 };

/** A number spread over `n` dims, or a list that must have `n` entries. */
function perDim(op: string, what: string, v: number | readonly number[], n: number, inputShape: readonly number[]): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (list.length !== n) {
    throw new ShapeError(
      `${op}: input ${fmt(inputShape)} has ${n} spatial dims but ${what} ${fmt(list)} gives ${list.length}; the input is [N, C, ...spatial] and ${what} has one entry per spatial dim`,
    );
  }
  return list;
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Resizes the spatial dims of `x` (`[N, C, L]`, `[N, C, H, W]` or
 * `[N, C, D, H, W]`) as PyTorch's `F.interpolate`, by nearest neighbour or
 * (bi/tri)linear interpolation, with the same source positions as PyTorch
 * (so the same numbers). Differentiable in `x`: each output element is a
 * fixed weighting of input elements, and its gradient goes back to them.
 *
 * @example
 * ```ts
 * interpolate(randn([1, 3, 8, 8]), { scaleFactor: 2 }).shape; // [1, 3, 16, 16]
 * interpolate(randn([1, 3, 8, 8]), { size: [5, 12], mode: 'bilinear', alignCorners: true }).shape; // [1, 3, 5, 12]
 * ```
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  checkOptions(op, options, nnOptionRules.interpolate);
  const mode = options.mode ?? 'nearest';
  const dims = x.ndim - 2;
  if (dims < 1 || dims > 3) throw new ShapeError(`${op}: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${fmt(x.shape)}`);
  const linearDims = LINEAR_DIMS[mode];
  if (linearDims !== undefined && linearDims !== dims) {
    throw new ShapeError(`${op}: mode '${mode}' needs a ${linearDims + 2}-D input, got ${fmt(x.shape)} (${dims + 2}-D)`);
  }
  if (linearDims === undefined && options.alignCorners !== undefined) {
    throw new TapegradError(`${op}: alignCorners applies only to the linear modes (linear, bilinear, trilinear), not to '${mode}'`);
  }
  if (linearDims !== undefined && !isFloating(x.dtype)) throw new DTypeError(`${op}: mode '${mode}' needs a float input, got ${x.dtype}`);
  if ((options.size === undefined) === (options.scaleFactor === undefined)) {
    throw new TapegradError(`${op}: give exactly one of size and scaleFactor, got ${options.size === undefined ? 'neither' : 'both'}`);
  }
  const inSize = x.shape.slice(2);
  const factors = options.scaleFactor === undefined ? null : perDim(op, 'scaleFactor', options.scaleFactor, dims, x.shape);
  if (factors?.some((f) => !(f > 0 && Number.isFinite(f)))) throw new TapegradError(`${op}: scaleFactor must be positive, got ${fmt(factors)}`);
  const outSize = factors === null ? perDim(op, 'size', options.size!, dims, x.shape) : inSize.map((n, i) => Math.floor(n * factors[i]!));
  if (outSize.some((s) => !Number.isInteger(s) || s < 1) || inSize.some((s) => s < 1)) {
    throw new ShapeError(`${op}: input ${fmt(inSize)} and output ${fmt(outSize)} spatial sizes must be positive integers`);
  }
  // PyTorch derives the positions from 1/scaleFactor when it is given (and not recomputed), else from in/out.
  const useFactors = factors !== null && !(options.recomputeScaleFactor ?? false);
  let out = x;
  for (let i = 0; i < dims; i++) {
    const axis = { n: inSize[i]!, out: outSize[i]!, factor: useFactors ? factors[i]! : undefined };
    out = linearDims === undefined ? resampleNearest(out, 2 + i, axis, mode === 'nearest-exact') : resampleLinear(out, 2 + i, axis, options.alignCorners ?? false);
  }
  return out;
}

/** One spatial dim: its input and output sizes, and the scale factor PyTorch positions by (if any). */
interface Axis {
  readonly n: number;
  readonly out: number;
  readonly factor: number | undefined;
}

/** `1/factor` when a factor is given, else `in/out`: PyTorch's `compute_scales_value`. */
const scaleOf = (a: Axis): number => (a.factor !== undefined ? 1 / a.factor : a.n / a.out);

function resampleNearest(x: Tensor, dim: number, a: Axis, exact: boolean): Tensor {
  // NOTE: PyTorch computes nearest positions in float32 whatever the dtype;
  // Math.fround makes these the same indices, edge cases included.
  const scale = Math.fround(scaleOf(a));
  const index = new Int32Array(a.out);
  for (let j = 0; j < a.out; j++) {
    let src: number;
    if (exact) src = Math.floor((j + 0.5) * scale);
    else if (a.out === a.n) src = j;
    else if (a.out === 2 * a.n) src = j >> 1;
    else src = Math.floor(Math.fround(j * scale));
    index[j] = Math.min(src, a.n - 1);
  }
  return x.indexSelect(dim, tensor(index, { device: x.device }));
}

function resampleLinear(x: Tensor, dim: number, a: Axis, alignCorners: boolean): Tensor {
  const scale = alignCorners ? (a.out > 1 ? (a.n - 1) / (a.out - 1) : 0) : scaleOf(a);
  const [i0, i1] = [new Int32Array(a.out), new Int32Array(a.out)];
  const [w0, w1] = [new Float64Array(a.out), new Float64Array(a.out)];
  for (let j = 0; j < a.out; j++) {
    if (a.out === a.n && !alignCorners) {
      // Same size: a copy, as PyTorch (whatever the factor says).
      [i0[j], i1[j], w0[j], w1[j]] = [j, j, 1, 0];
      continue;
    }
    const src = alignCorners ? scale * j : Math.max(scale * (j + 0.5) - 0.5, 0);
    const lo = Math.floor(src);
    const l1 = Math.min(Math.max(src - lo, 0), 1);
    [i0[j], i1[j], w0[j], w1[j]] = [lo, lo < a.n - 1 ? lo + 1 : lo, 1 - l1, l1];
  }
  const along = x.shape.map((_, k) => (k === dim ? a.out : 1));
  const weight = (w: Float64Array): Tensor => tensor(w, { shape: along, dtype: x.dtype, device: x.device });
  return x.indexSelect(dim, tensor(i0, { device: x.device })).mul(weight(w0)).add(x.indexSelect(dim, tensor(i1, { device: x.device })).mul(weight(w1)));
}
