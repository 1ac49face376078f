import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import type { ArrayView } from './cpu-kernels.js';

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
  | { readonly kind: 'broadcast'; readonly view: ArrayView }
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
 * const f = fusion;
 * if (f !== undefined && f.unary.has('exp')) f.evaluate({ kind: 'unary', op: 'exp', x: leaf }, n);
 * ```
 */
export interface Fusion {
  readonly unary: ReadonlySet<UnaryKernel>;
  readonly binary: ReadonlySet<BinaryKernel>;
  /**
   * How many intermediate blocks an evaluation can hold at once: an
   * expression whose {@link slotsNeeded} exceeds it is computed in parts.
   */
  readonly slots: number;
  /** Whether a broadcast view (a bias row, one value per channel) can be a leaf. */
  canRead(view: ArrayView): boolean;
  /**
   * The `n` elements of `e`, in fresh float32 storage, or written into `out`
   * from `offset` (which `e` may read: each element is read before it is written).
   */
  evaluate(e: FusedExpr, n: number, out?: Float32Array, offset?: number): Float32Array;
  /** The sum of the `n` elements of `e`, accumulated in float64 as the reference `sum` does. */
  sum(e: FusedExpr, n: number): number;
}


/**
 * How many intermediate blocks evaluating `e` holds at once at best: a leaf
 * takes one (a number none), and a binary node evaluates its needier operand
 * first (Sethi–Ullman order), so a right-deep chain needs two, not its depth.
 *
 * @example
 * ```ts
 * slotsNeeded({ kind: 'binary', op: 'add', a: leaf, b: { kind: 'binary', op: 'add', a: leaf, b: leaf } }); // 2
 * ```
 */
export function slotsNeeded(e: FusedExpr): number {
  switch (e.kind) {
    case 'scalar':
      return 0;
    case 'input':
    case 'broadcast':
      return 1;
    case 'unary':
      return Math.max(1, slotsNeeded(e.x));
    case 'binary':
      return binarySlots(slotsNeeded(e.a), slotsNeeded(e.b));
  }
}

/**
 * The slots a binary node needs given its operands' needs (0 for a number,
 * which occupies no slot while the other side runs).
 *
 * @example
 * ```ts
 * binarySlots(1, 1); // 2
 * ```
 */
export function binarySlots(a: number, b: number): number {
  if (a === 0 || b === 0) return Math.max(1, a, b);
  return a === b ? a + 1 : Math.max(a, b);
}
