import type { DType, TypedArray } from '../dtype.js';
import type { ArgReduceKernel, BinaryKernel, ConvGeometry, ReduceKernel, UnaryKernel } from '../primitives/primitives.js';
import type { Shape } from '../shape.js';

/**
 * A strided window onto a backend's buffer: what a kernel reads or writes.
 * Broadcast dims have stride 0. `B` is the backend's own buffer type, which
 * nothing outside the backend looks into.
 *
 * @example
 * ```ts
 * const v: View<Float32Array> = { buffer: new Float32Array([1, 2, 3, 4]), shape: [2, 2], strides: [1, 2], offset: 0 }; // a transpose
 * ```
 */
export interface View<B = unknown> {
  readonly buffer: B;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * The kernel of every primitive, over views `V` of a backend's buffers, each
 * returning fresh contiguous storage `R` of `outDtype` (row-major), except
 * `assign` and the `…InPlace` kernels, which write into a view of existing
 * storage (the in-place ops outside the tape, such as an optimizer's step, so
 * that they allocate nothing). Nothing here knows of the tape.
 *
 * @example
 * ```ts
 * const exp = (k: Kernels<View, unknown>, v: View) => k.unary('exp', v, 'float32');
 * ```
 */
export interface Kernels<V, R> {
  /** A contiguous copy of a view, converted to `outDtype`. */
  copy(x: V, outDtype: DType): R;
  /** Writes `src` (same shape as `dst`, possibly broadcast) into the positions of `dst`. */
  assign(dst: V, src: V): void;
  unary(op: UnaryKernel, x: V, outDtype: DType): R;
  /**
   * `dst = op(dst)` in place; `dst` may be strided but no two of its elements
   * may share a position. The result is stored in `dst`'s element type.
   */
  unaryInPlace(op: UnaryKernel, dst: V): void;
  /** `a` and `b` are already broadcast to `outShape` (stride 0 where expanded). */
  binary(op: BinaryKernel, a: V, b: V, outDtype: DType): R;
  /**
   * `dst = op(dst, src)` in place, `src` broadcast to `dst`'s shape (stride 0
   * where expanded; a scalar has every stride 0). `dst` may be strided but no
   * two of its elements may share a position, and `src` may share storage with
   * `dst` only at the same positions. The result is stored in `dst`'s element
   * type (bool as 0/1).
   */
  binaryInPlace(op: BinaryKernel, dst: V, src: V): void;
  /**
   * `dst = dst + value · op(a, b)` in place (the fused step of `addcmul_`,
   * `addcdiv_`, `lerp_`, and `add_` with a factor), `a` and `b` broadcast to
   * `dst`'s shape, under the same rules as `binaryInPlace`.
   */
  addcInPlace(op: BinaryKernel, dst: V, a: V, b: V, value: number): void;
  /** `cond ? a : b`, all three broadcast to one shape. */
  where(cond: V, a: V, b: V, outDtype: DType): R;
  /** Reduces the sorted `axes`; the result has the shape of `x` without them. */
  reduce(op: ReduceKernel, x: V, axes: readonly number[], outDtype: DType): R;
  /** int32 positions of the extreme along `axis`; the result drops `axis`. */
  argReduce(op: ArgReduceKernel, x: V, axis: number): R;
  /**
   * Batched `[...batch, M, K] · [...batch, K, N] → [...batch, M, N]`, both
   * with the same batch dims (one or more), operands of any strides.
   */
  matmul(a: V, b: V, outDtype: DType): R;
  /** `out[i][j][k] = x[i][index[i][j][k]][k]` along `dim`; shape of `index`. */
  gather(x: V, dim: number, index: V, outDtype: DType): R;
  /** A copy of `x` with `src` added at the positions `index` names along `dim`. */
  scatterAdd(x: V, dim: number, index: V, src: V, outDtype: DType): R;
  /**
   * im2col: the windows of `x` `[N, C, H, W]` as columns, `[N, C·KH·KW, OH·OW]`
   * (row `c·KH·KW + kh·KW + kw`, column `oh·OW + ow`); taps in the padding read 0.
   */
  im2col(x: V, geometry: ConvGeometry, outDtype: DType): R;
  /**
   * col2im, the adjoint of `im2col`: columns `[N, C·KH·KW, OH·OW]` added back
   * into `[N, C, H, W]` where they were taken from (taps in the padding
   * dropped), in the order kw, n, c, kh, oh, ow, which fixes the rounding.
   */
  col2im(cols: V, geometry: ConvGeometry, outDtype: DType): R;
  /**
   * 2-D convolution (cross-correlation) of `x` `[N, C, H, W]` with `weight`
   * `[O, C/groups, KH, KW]` over the windows of `geometry`, plus `bias` `[O]`
   * (one value per output channel; null for none): `[N, O, OH, OW]`. The
   * kernel adds the bias before the result leaves it, so that the output is
   * not walked a second time.
   */
  conv2d(x: V, weight: V, bias: V | null, geometry: ConvGeometry, groups: number, outDtype: DType): R;
  /**
   * The gradient of `conv2d` with respect to its input: `grad`
   * `[N, O, OH, OW]` through `weight` back to `[N, C, H, W]` (`H, W` from
   * `geometry.size`).
   */
  conv2dInput(grad: V, weight: V, geometry: ConvGeometry, groups: number, outDtype: DType): R;
  /**
   * The gradient of `conv2d` with respect to its weight: `grad`
   * `[N, O, OH, OW]` against the windows of `x`, summed over the batch:
   * `[O, C/groups, KH, KW]`.
   */
  conv2dWeight(x: V, grad: V, geometry: ConvGeometry, groups: number, outDtype: DType): R;
  /**
   * Where each pooling window of `x` `[N, C, H, W]` has its maximum: int32
   * `[N, C, OH, OW]` flat indices `ih·W + iw` into its image. Taps in the
   * padding are skipped; a tap replaces the running maximum when it is
   * greater or NaN.
   */
  maxPoolIndices(x: V, geometry: ConvGeometry): R;
  /**
   * Overlap-add, the adjoint of the sliding-window view `unfold`: `x` has the
   * window index at `dim` and the position inside the window as its last dim;
   * the result drops that last dim, has `length` at `dim`, and
   * `out[…, i·step + j·dilation, …] += x[…, i, …, j]`.
   */
  fold(x: V, dim: number, size: number, step: number, dilation: number, length: number, outDtype: DType): R;
}

/**
 * A device's memory and kernels: the one boundary between tapegrad's core and
 * the memory a tensor's elements live in. A backend owns its buffers: it
 * makes them, fills them from typed arrays, reads them back (synchronously
 * where its device allows, asynchronously everywhere), runs the kernel of
 * every primitive on them, and learns through {@link Backend.release} when
 * the engine knows that one is dead. The core holds buffers only as opaque
 * handles; it knows nothing of how memory is kept (pools, deferred work,
 * copy-on-write are the backend's own business).
 *
 * @example
 * ```ts
 * const be = getBackend();
 * const buf = be.upload(new Float32Array([1, 2, 3]));
 * be.read(be.unary('exp', { buffer: buf, shape: [3], strides: [1], offset: 0 }, 'float32')); // Float32Array [e, e², e³]
 * ```
 */
export interface Backend<B = unknown> extends Kernels<View<B>, B> {
  readonly name: string;
  /** The device whose memory the buffers live in: backends of one device share buffers. */
  readonly device: string;
  /**
   * `false` where {@link Backend.read} always throws (a GPU): the core then
   * skips or refuses, with a `DeviceError`, what reads values synchronously
   * (index range checks, `equal`, anomaly checks, printing). Absent means true.
   */
  readonly readsSync?: boolean;
  /** A zeroed buffer of `n` elements of `dtype`. */
  alloc(dtype: DType, n: number): B;
  /**
   * A buffer holding `data`'s elements, in `data`'s dtype. The array is
   * handed over: the caller must neither read nor write it afterwards (a
   * backend in the same memory keeps it as it is instead of copying).
   */
  upload(data: TypedArray): B;
  /**
   * The buffer's elements, computed now if work on them is pending. Throws
   * where the device cannot be read synchronously (see {@link Backend.readAsync}).
   * The array may be the buffer's own memory: read it at once, and neither
   * keep nor write it.
   */
  read(buffer: B): TypedArray;
  /** The buffer's elements once every pending kernel has run: a fresh array the caller owns. */
  readAsync(buffer: B): Promise<TypedArray>;
  /** Runs the work pending on `buffer` now (deferred elementwise chains), without reading it. */
  realize(buffer: B): void;
  /**
   * The engine knows that nothing will read these buffers again (the
   * temporaries and dead gradients of a backward pass): their memory may be
   * reused at once. Buffers a backend cannot prove unshared may be left to
   * the garbage collector.
   */
  release(buffers: readonly B[]): void;
}
