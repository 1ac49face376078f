import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * Elementwise primitives of one operand, by the name they have everywhere in tapegrad.
 *
 * @example
 * ```ts
 * const op: UnaryKernel = 'exp';
 * ```
 */
export type UnaryKernel =
  | 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'sin' | 'cos'
  | 'tanh' | 'sigmoid' | 'relu' | 'abs' | 'sign' | 'erf' | 'not';

/**
 * Elementwise primitives of two operands.
 *
 * @example
 * ```ts
 * const op: BinaryKernel = 'mul';
 * ```
 */
export type BinaryKernel =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

/**
 * Reductions over a set of axes.
 *
 * @example
 * ```ts
 * const op: ReduceKernel = 'sum';
 * ```
 */
export type ReduceKernel = 'sum' | 'max' | 'min' | 'prod';

/**
 * Reductions that return the position of an extreme along one axis.
 *
 * @example
 * ```ts
 * const op: ArgReduceKernel = 'argmax';
 * ```
 */
export type ArgReduceKernel = 'argmax' | 'argmin';

/**
 * Where a 2-D convolution's windows lie in an image of `size` `[H, W]`:
 * `kernel` `[KH, KW]` taps `dilation` apart, one window every `stride`
 * positions, starting `padBefore` positions before the image (padding reads
 * as 0), `outSize` `[OH, OW]` windows along each dim.
 *
 * @example
 * ```ts
 * const g: ConvGeometry = { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padBefore: [1, 1], size: [32, 32], outSize: [32, 32] };
 * ```
 */
export interface ConvGeometry {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padBefore: readonly number[];
  readonly size: readonly number[];
  readonly outSize: readonly number[];
}

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
  // Inputs [x, weight] or [x, weight, bias]: the kernel adds the bias as it writes.
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
