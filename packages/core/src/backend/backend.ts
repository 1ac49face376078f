import type { DType, TypedArray } from '../dtype.js';
import type { ArgReduceKernel, BinaryKernel, ConvGeometry, ReduceKernel, UnaryKernel } from '../primitives/primitives.js';
import type { Shape } from '../shape.js';

/**
 * A strided window onto storage: what a kernel reads. Broadcast dims have stride 0.
 *
 * @example
 * ```ts
 * const v: View = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], strides: [1, 2], offset: 0 }; // a transpose
 * ```
 */
export interface View {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * A float32 elementwise expression over operands of one length `n`, which a
 * backend with {@link Fusion} evaluates in one pass without materialising any
 * intermediate. Leaves are `n` contiguous elements of an array from `offset`
 * (a bool array reads as 0/1), a broadcast view of `n` elements that the
 * backend said it can read ({@link Fusion.canRead}), or one number broadcast
 * to all `n`.
 *
 * @example
 * ```ts
 * const a: FusedExpr = { kind: 'input', data: new Float32Array(8), offset: 0 };
 * const e: FusedExpr = { kind: 'unary', op: 'exp', x: { kind: 'binary', op: 'mul', a, b: { kind: 'scalar', value: 0.5 } } };
 * ```
 */
export type FusedExpr =
  | { readonly kind: 'input'; readonly data: Float32Array | Uint8Array; readonly offset: number }
  | { readonly kind: 'broadcast'; readonly view: View }
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'unary'; readonly op: UnaryKernel; readonly x: FusedExpr }
  | { readonly kind: 'binary'; readonly op: BinaryKernel; readonly a: FusedExpr; readonly b: FusedExpr };

/**
 * What a backend offers for deferred float32 elementwise chains: the kernels it
 * can fuse, and the two ways a chain is consumed (written out, or summed
 * without being written).
 *
 * @example
 * ```ts
 * const f = getBackend().fusion;
 * if (f !== undefined && f.unary.has('exp')) f.evaluate({ kind: 'unary', op: 'exp', x: leaf }, n);
 * ```
 */
export interface Fusion {
  readonly unary: ReadonlySet<UnaryKernel>;
  readonly binary: ReadonlySet<BinaryKernel>;
  /** Whether a broadcast view (a bias row, one value per channel) can be a leaf. */
  canRead(view: View): boolean;
  /**
   * The `n` elements of `e`, in fresh float32 storage, or written into `out`
   * from `offset` (which `e` may read: each element is read before it is written).
   */
  evaluate(e: FusedExpr, n: number, out?: Float32Array, offset?: number): Float32Array;
  /** The sum of the `n` elements of `e`, accumulated in float64 as the reference `sum` does. */
  sum(e: FusedExpr, n: number): number;
}

/**
 * What a backend provides: storage and kernels, nothing of the tape. Every
 * kernel returns fresh contiguous storage of `outDtype` (row-major), except
 * `assign` and the `…InPlace` kernels, which write into a view of existing
 * storage (the in-place ops outside the tape, such as an optimizer's step,
 * so that they allocate nothing).
 *
 * @example
 * ```ts
 * const out = getBackend().unary('exp', view, 'float32');
 * ```
 */
export interface Backend {
  readonly name: string;
  /**
   * Deferred elementwise evaluation, where the backend has it: float32 chains
   * of these kernels are then recorded as expressions and run in one pass when
   * read (see `fusion.ts`).
   */
  readonly fusion?: Fusion;
  /** Zeroed storage for `n` elements. */
  alloc(dtype: DType, n: number): TypedArray;
  /** A contiguous copy of a view, converted to `outDtype`. */
  copy(x: View, outDtype: DType): TypedArray;
  /** Writes `src` (same shape as `dst`, possibly broadcast) into the positions of `dst`. */
  assign(dst: View, src: View): void;
  unary(op: UnaryKernel, x: View, outDtype: DType): TypedArray;
  /**
   * `dst = op(dst)` in place; `dst` may be strided but no two of its elements
   * may share a position. The result is stored in `dst`'s element type.
   */
  unaryInPlace(op: UnaryKernel, dst: View): void;
  /** `a` and `b` are already broadcast to `outShape` (stride 0 where expanded). */
  binary(op: BinaryKernel, a: View, b: View, outDtype: DType): TypedArray;
  /**
   * `dst = op(dst, src)` in place, `src` broadcast to `dst`'s shape (stride 0
   * where expanded; a scalar has every stride 0). `dst` may be strided but no
   * two of its elements may share a position, and `src` may share storage with
   * `dst` only at the same positions. The result is stored in `dst`'s element
   * type (bool as 0/1).
   */
  binaryInPlace(op: BinaryKernel, dst: View, src: View): void;
  /**
   * `dst = dst + value · op(a, b)` in place (the fused step of `addcmul_`,
   * `addcdiv_`, `lerp_`, and `add_` with a factor), `a` and `b` broadcast to
   * `dst`'s shape, under the same rules as `binaryInPlace`.
   */
  addcInPlace(op: BinaryKernel, dst: View, a: View, b: View, value: number): void;
  /** `cond ? a : b`, all three broadcast to one shape. */
  where(cond: View, a: View, b: View, outDtype: DType): TypedArray;
  /** Reduces the sorted `axes`; the result has the shape of `x` without them. */
  reduce(op: ReduceKernel, x: View, axes: readonly number[], outDtype: DType): TypedArray;
  /** int32 positions of the extreme along `axis`; the result drops `axis`. */
  argReduce(op: ArgReduceKernel, x: View, axis: number): Int32Array;
  /** Batched `[B, M, K] · [B, K, N] → [B, M, N]`, operands of any strides. */
  matmul(a: View, b: View, outDtype: DType): TypedArray;
  /** `out[i][j][k] = x[i][index[i][j][k]][k]` along `dim`; shape of `index`. */
  gather(x: View, dim: number, index: View, outDtype: DType): TypedArray;
  /** A copy of `x` with `src` added at the positions `index` names along `dim`. */
  scatterAdd(x: View, dim: number, index: View, src: View, outDtype: DType): TypedArray;
  /**
   * im2col: the windows of `x` `[N, C, H, W]` as columns, `[N, C·KH·KW, OH·OW]`
   * (row `c·KH·KW + kh·KW + kw`, column `oh·OW + ow`); taps in the padding read 0.
   */
  im2col(x: View, geometry: ConvGeometry, outDtype: DType): TypedArray;
  /**
   * col2im, the adjoint of `im2col`: columns `[N, C·KH·KW, OH·OW]` added back
   * into `[N, C, H, W]` where they were taken from (taps in the padding
   * dropped), in the order kw, n, c, kh, oh, ow, which fixes the rounding.
   */
  col2im(cols: View, geometry: ConvGeometry, outDtype: DType): TypedArray;
  /**
   * 2-D convolution (cross-correlation) of `x` `[N, C, H, W]` with `weight`
   * `[O, C/groups, KH, KW]` over the windows of `geometry`, no bias:
   * `[N, O, OH, OW]`.
   */
  conv2d(x: View, weight: View, geometry: ConvGeometry, groups: number, outDtype: DType): TypedArray;
  /**
   * The gradient of `conv2d` with respect to its input: `grad`
   * `[N, O, OH, OW]` through `weight` back to `[N, C, H, W]` (`H, W` from
   * `geometry.size`).
   */
  conv2dInput(grad: View, weight: View, geometry: ConvGeometry, groups: number, outDtype: DType): TypedArray;
  /**
   * The gradient of `conv2d` with respect to its weight: `grad`
   * `[N, O, OH, OW]` against the windows of `x`, summed over the batch:
   * `[O, C/groups, KH, KW]`.
   */
  conv2dWeight(x: View, grad: View, geometry: ConvGeometry, groups: number, outDtype: DType): TypedArray;
  /**
   * Where each pooling window of `x` `[N, C, H, W]` has its maximum: int32
   * `[N, C, OH, OW]` flat indices `ih·W + iw` into its image. Taps in the
   * padding are skipped; a tap replaces the running maximum when it is
   * greater or NaN.
   */
  maxPoolIndices(x: View, geometry: ConvGeometry): Int32Array;
  /**
   * Overlap-add, the adjoint of the sliding-window view `unfold`: `x` has the
   * window index at `dim` and the position inside the window as its last dim;
   * the result drops that last dim, has `length` at `dim`, and
   * `out[…, i·step + j·dilation, …] += x[…, i, …, j]`.
   */
  fold(x: View, dim: number, size: number, step: number, dilation: number, length: number, outDtype: DType): TypedArray;
}
