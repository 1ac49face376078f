import { getBackend } from '../active-backend.js';
import type { Fusion, FusedExpr, View } from '../backend.js';
import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import type { DType, TypedArray } from '../../dtype.js';
import { isContiguous, tensorStrides, type Shape } from '../../shape.js';
import { broadcastView } from '../../tensor/make.js';
import { Storage } from '../../tensor/storage.js';
import { Tensor } from '../../tensor/tensor.js';

// Deferred elementwise evaluation. On a backend with `fusion`, a large float32
// unary or binary primitive whose operands are whole contiguous tensors, one
// value broadcast, or a broadcast the backend streams (a bias row, one value
// per channel; bool masks read as 0/1) does not run: its result is a Storage
// holding the expression, which inlines the expressions of operands that are
// themselves deferred. The first read of the storage (any kernel, `.data`, `item`)
// computes it in one pass; a full `sum` of a deferred tensor never computes
// it at all. `sum(exp(a*b + c) * 0.5)` thus reads a, b and c once and
// allocates nothing, where running op by op would write and page in four
// arrays of the inputs' size. Everything else (the tape, views, saved
// tensors, in-place writes) sees an ordinary tensor.

/** Smaller results run at once: their arrays are cheap and the tape overhead of small ops matters more. */
const MIN_ELEMENTS = 4096;
/** Longer expressions are cut: their result is computed, and later ops build on it. */
const MAX_NODES = 32;

interface Operand {
  readonly expr: FusedExpr;
  readonly nodes: number;
  readonly leaves: readonly TypedArray[];
}

const NO_LEAVES: readonly TypedArray[] = [];

type FoldedOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const FOLD: Record<FoldedOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
  minimum: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
};

/**
 * `t` as an operand of an expression over `shape` (`n` elements), or null
 * when it is not one: float32 or bool (read as 0/1), and either one value,
 * the whole of a contiguous tensor (a deferred one inlines its expression), or
 * a broadcast view the backend can stream (a bias row, one value per channel).
 */
function operand(t: Tensor, shape: Shape, n: number, f: Fusion): Operand | null {
  if (t.dtype !== 'float32' && t.dtype !== 'bool') return null;
  if (isOneValue(t)) return { expr: { kind: 'scalar', value: t.storage.data[t.offset]! }, nodes: 1, leaves: NO_LEAVES };
  const s = t.storage;
  if (t.numel === n && t.isContiguous()) {
    const d = s.deferred;
    if (d !== null && t.offset === 0 && s.length === n) return d;
    const data = s.data as Float32Array | Uint8Array;
    return { expr: { kind: 'input', data, offset: t.offset }, nodes: 1, leaves: [data] };
  }
  if (t.numel >= n) return null;
  const view = broadcastView(t, shape);
  return f.canRead(view) ? { expr: { kind: 'broadcast', view }, nodes: 1, leaves: [view.data] } : null;
}

/** Whether every element of `t` is one storage position (a 0-d tensor, or one expanded). */
function isOneValue(t: Tensor): boolean {
  for (let d = 0; d < t.ndim; d++) if (t.shape[d] !== 1 && t.strides[d] !== 0) return false;
  return true;
}

/** The active backend's fusion, for a float32 result; null otherwise. */
function fusionFor(outDtype: DType): Fusion | null {
  return outDtype === 'float32' ? (getBackend().fusion ?? null) : null;
}

function deferredTensor(fusion: Fusion, expr: FusedExpr, nodes: number, leaves: readonly TypedArray[], shape: Shape, n: number): Tensor {
  const storage = new Storage({ expr, nodes, leaves, fusion, length: n });
  return new Tensor(storage, shape, tensorStrides(shape), 0, 'float32');
}

/**
 * `op(x)` deferred, or null when it runs at once (see the notes above).
 *
 * @example
 * ```ts
 * deferredUnary('exp', x, 'float32') ?? runNow();
 * ```
 */
export function deferredUnary(op: UnaryKernel, x: Tensor, outDtype: DType): Tensor | null {
  const f = fusionFor(outDtype);
  if (f === null) return null;
  const n = x.numel;
  if (n < MIN_ELEMENTS || !f.unary.has(op)) return null;
  const o = operand(x, x.shape, n, f);
  if (o === null || o.nodes + 1 > MAX_NODES) return null;
  return deferredTensor(f, { kind: 'unary', op, x: o.expr }, o.nodes + 1, o.leaves, x.shape, n);
}

/**
 * `op(a, b)` over the broadcast `shape`, deferred, or null when it runs at once.
 *
 * @example
 * ```ts
 * deferredBinary('mul', a, b, shape, 'float32') ?? runNow();
 * ```
 */
export function deferredBinary(op: BinaryKernel, a: Tensor, b: Tensor, shape: Shape, outDtype: DType): Tensor | null {
  const f = fusionFor(outDtype);
  if (f === null) return null;
  let n = 1;
  for (const s of shape) n *= s;
  if (n < MIN_ELEMENTS || !f.binary.has(op)) return null;
  const x = operand(a, shape, n, f);
  const y = x === null ? null : operand(b, shape, n, f);
  if (x === null || y === null || x.nodes + y.nodes + 1 > MAX_NODES) return null;
  const fold = op in FOLD ? FOLD[op as FoldedOp] : undefined;
  if (fold !== undefined && x.expr.kind === 'scalar' && y.expr.kind === 'scalar') {
    // One float32 operation on two float32 values, done in float64 and
    // rounded, is the float32 result exactly (as the kernel would compute it).
    const value = Math.fround(fold(x.expr.value, y.expr.value));
    return deferredTensor(f, { kind: 'scalar', value }, 1, NO_LEAVES, shape, n);
  }
  const leaves = y.leaves.length === 0 ? x.leaves : x.leaves.length === 0 ? y.leaves : [...new Set([...x.leaves, ...y.leaves])];
  return deferredTensor(f, { kind: 'binary', op, a: x.expr, b: y.expr }, x.nodes + y.nodes + 1, leaves, shape, n);
}

/**
 * The sum of all elements of a deferred tensor, computed from its expression
 * without writing its elements; null when `t` is not a whole deferred storage.
 *
 * @example
 * ```ts
 * deferredSum(x.mul(y)) ?? x.mul(y).sum().item();
 * ```
 */
export function deferredSum(t: Tensor): number | null {
  const s = t.storage;
  const d = s.deferred;
  if (d === null || t.offset !== 0 || t.numel !== s.length || !t.isContiguous()) return null;
  return d.fusion.sum(d.expr, s.length);
}

/**
 * `dst = op(dst, src)` computed straight into `dst`'s array, when `dst` is a
 * contiguous float32 view of 4,096 elements or more and `src` is a deferred
 * tensor (a deferred gradient added into an existing `.grad`: its
 * expression never gets an array of its own) or a broadcast view the
 * fused evaluator reads (a bias row, one value per channel) and the in-place
 * kernels do not. False when it does not apply.
 *
 * @example
 * ```ts
 * if (!updateFused('add', dstView, g)) getBackend().binaryInPlace('add', dstView, kernelView(g));
 * ```
 */
export function updateFused(op: BinaryKernel, dst: View, src: Tensor): boolean {
  if (!(dst.data instanceof Float32Array) || !isContiguous(dst.shape, dst.strides)) return false;
  let n = 1;
  for (const k of dst.shape) n *= k;
  const f = src.storage.deferred?.fusion ?? fusionFor('float32');
  if (f === null || n < MIN_ELEMENTS || !f.binary.has(op)) return false;
  const o = operand(src, dst.shape, n, f);
  // Contiguous and scalar operands: the in-place kernels take those as they are.
  if (o === null || o.expr.kind === 'input' || o.expr.kind === 'scalar') return false;
  f.evaluate({ kind: 'binary', op, a: { kind: 'input', data: dst.data, offset: dst.offset }, b: o.expr }, n, dst.data, dst.offset);
  return true;
}
