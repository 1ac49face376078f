import type { ArgReduceKernel, BinaryKernel, ConvGeometry, ReduceKernel, UnaryKernel } from './backend/backend.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';

/** Parameters of a reduction over `dims`. */
export interface ReduceParams {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

/** Parameters of a strided window: per dim a start and a step (negative steps walk backwards). */
export interface WindowParams {
  readonly starts: readonly number[];
  readonly steps: readonly number[];
  /** Shape of the window (for `slice`) or of the surrounding tensor (for `unslice`). */
  readonly shape: Shape;
}

/**
 * Parameters of sliding windows along one dim: windows of `size` elements
 * `dilation` apart, starting every `step` elements (for `unfold`), and the
 * length of that dim in the unwindowed tensor (`unfold`'s input, `fold`'s output).
 */
export interface WindowsParams {
  readonly dim: number;
  readonly size: number;
  readonly step: number;
  readonly dilation: number;
  readonly length: number;
}

/**
 * Parameters of the 2-D convolution primitives: where the windows lie, and
 * how many groups the channels split into.
 *
 * @example
 * ```ts
 * const p: ConvParams = { geometry, groups: 1 };
 * ```
 */
export interface ConvParams {
  readonly geometry: ConvGeometry;
  readonly groups: number;
}

type NoParams = undefined;

/**
 * Every primitive tapegrad knows, with its parameters. A primitive has a
 * forward implementation and a derivative rule, in two tables keyed by these
 * names; everything else (softmax, var, clamp…) is composed of primitives.
 * The same name is the user's method, the kernel and the rule key.
 *
 * @example
 * ```ts
 * const p: PrimitiveParams['sum'] = { dims: [0], keepdim: true };
 * ```
 */
export type PrimitiveParams = { [K in UnaryKernel | BinaryKernel]: NoParams } & {
  [K in ReduceKernel]: ReduceParams;
} & { [K in ArgReduceKernel]: { readonly dim: number; readonly keepdim: boolean } } & {
  where: NoParams;
  reshape: { readonly shape: Shape };
  permute: { readonly dims: readonly number[] };
  expand: { readonly shape: Shape };
  slice: WindowParams;
  unslice: WindowParams;
  cat: { readonly dim: number };
  unfold: WindowsParams;
  fold: WindowsParams;
  im2col: ConvGeometry;
  col2im: ConvGeometry;
  conv2d: ConvParams;
  conv2dInput: ConvParams;
  conv2dWeight: ConvParams;
  maxPoolIndices: ConvGeometry;
  cast: { readonly dtype: DType };
  contiguous: NoParams;
  matmul: NoParams;
  gather: { readonly dim: number };
  scatterAdd: { readonly dim: number };
};

/**
 * The name of a primitive.
 *
 * @example
 * ```ts
 * const p: Primitive = 'matmul';
 * ```
 */
export type Primitive = keyof PrimitiveParams;
