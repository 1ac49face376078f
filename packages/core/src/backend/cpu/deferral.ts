import type { DType, TypedArray } from '../../dtype.js';
import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import { isContiguous, numelOf } from '../../shape.js';
import type { View } from '../backend.js';
import { binaryFn } from '../js/elementwise.js';
import { CpuBuffer } from './cpu-buffer.js';
import type { ArrayView } from './cpu-kernels.js';
import { binarySlots, type Fusion, type FusedExpr } from './fusion.js';

// Deferred elementwise evaluation, private to the CPU backends. A large
// float32 unary or binary kernel whose operands are whole contiguous buffers,
// one value broadcast, or a broadcast the fusion streams (a bias row, one
// value per channel; bool masks read as 0/1) does not run: its result is a
// buffer holding the expression, which inlines the expressions of operands
// that are themselves deferred. The first read of the buffer (any kernel,
// `read`) computes it in one pass; a full `sum` of a deferred buffer never
// computes it at all. `sum(exp(a*b + c) * 0.5)` thus reads a, b and c once
// and allocates nothing, where running op by op would write and page in four
// arrays of the inputs' size. Everything outside the backend (the tape,
// views, saved tensors, in-place writes) sees an ordinary buffer.

/** Smaller results run at once: their arrays are cheap and the tape overhead of small ops matters more. */
const MIN_ELEMENTS = 4096;
/** Longer expressions are cut: their result is computed, and later ops build on it. */
const MAX_NODES = 32;
/**
 * Counting a shared subexpression once, an expression may spell out more
 * nodes as a tree, up to this many: evaluators that walk the tree (the
 * reference's, the wasm backend's fallback) compute a shared node each time.
 */
const MAX_TREE = 256;

interface Operand {
  readonly expr: FusedExpr;
  readonly nodes: number;
  /** Intermediate blocks the expression holds at once (see `slotsNeeded`). */
  readonly slots: number;
  readonly leaves: readonly TypedArray[];
}

const NO_LEAVES: readonly TypedArray[] = [];

/** A view's elements as the CPU kernels read them. */
const arrayView = (v: View<CpuBuffer>): ArrayView => ({ data: v.buffer.data, shape: v.shape, strides: v.strides, offset: v.offset });

/** Whether every element of `v` is one buffer position (a 0-d view, or one expanded). */
function isOneValue(v: View<CpuBuffer>): boolean {
  for (let d = 0; d < v.shape.length; d++) if (v.shape[d] !== 1 && v.strides[d] !== 0) return false;
  return true;
}

/**
 * `v` as an operand of an expression of `n` elements, or null when it is not
 * one: float32 or bool (read as 0/1), and either one value, the whole of a
 * contiguous buffer (a deferred one inlines its expression), or a broadcast
 * view the fusion can stream (a bias row, one value per channel).
 */
function operand(v: View<CpuBuffer>, n: number, f: Fusion): Operand | null {
  const b = v.buffer;
  const dtype = b.dtype;
  if (dtype !== 'float32' && dtype !== 'bool') return null;
  if (isOneValue(v)) return { expr: { kind: 'scalar', value: b.data[v.offset]! }, nodes: 1, slots: 0, leaves: NO_LEAVES };
  if (numelOf(v.shape) === n && isContiguous(v.shape, v.strides)) {
    const d = b.deferred;
    if (d !== null && v.offset === 0 && b.length === n) return d;
    const data = b.data as Float32Array | Uint8Array;
    return { expr: { kind: 'input', data, offset: v.offset }, nodes: 1, slots: 1, leaves: [data] };
  }
  // A strided view of distinct elements (a transpose) is no broadcast: the kernels take it.
  if (!v.strides.some((s, d) => s === 0 && v.shape[d]! > 1)) return null;
  const view = arrayView(v);
  return f.canRead(view) ? { expr: { kind: 'broadcast', view }, nodes: 1, slots: 1, leaves: [view.data] } : null;
}

function deferredBuffer(fusion: Fusion, o: Operand, n: number): CpuBuffer {
  return new CpuBuffer({ ...o, fusion, length: n });
}

/**
 * `op(x)` deferred, or null when it runs at once (see the notes above).
 *
 * @example
 * ```ts
 * deferredUnary('exp', x, 'float32', fusion) ?? runNow();
 * ```
 */
export function deferredUnary(op: UnaryKernel, x: View<CpuBuffer>, outDtype: DType, f: Fusion): CpuBuffer | null {
  const n = numelOf(x.shape);
  if (outDtype !== 'float32' || n < MIN_ELEMENTS || !f.unary.has(op)) return null;
  let o = operand(x, n, f);
  if (o === null) return null;
  if (!fits(o)) {
    // Too long: the operand is computed, and the op builds on its result.
    void x.buffer.data;
    o = operand(x, n, f)!;
  }
  return deferredBuffer(f, { expr: { kind: 'unary', op, x: o.expr }, nodes: o.nodes + 1, slots: Math.max(1, o.slots), leaves: o.leaves }, n);
}

/**
 * Whether `x ∘ y` is short enough to defer: its nodes as a tree (both sides
 * and one), or, past the limit, its distinct nodes (a deferred operand used
 * on both sides, as the residual stream is in `(x − μ)·(x − μ)`, is one
 * subexpression that the generated kernels compute once).
 */
function fits(x: Operand, y: Operand | null = null): boolean {
  const tree = x.nodes + (y?.nodes ?? 0) + 1;
  if (tree <= MAX_NODES) return true;
  if (tree > MAX_TREE) return false;
  const seen = new Set<FusedExpr>();
  const visit = (e: FusedExpr): void => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.kind === 'unary') visit(e.x);
    else if (e.kind === 'binary') {
      visit(e.a);
      visit(e.b);
    }
  };
  visit(x.expr);
  if (y !== null) visit(y.expr);
  return seen.size + 1 <= MAX_NODES;
}

/**
 * `op(a, b)` (both broadcast to one shape) deferred, or null when it runs at once.
 *
 * @example
 * ```ts
 * deferredBinary('mul', a, b, 'float32', fusion) ?? runNow();
 * ```
 */
export function deferredBinary(op: BinaryKernel, a: View<CpuBuffer>, b: View<CpuBuffer>, outDtype: DType, f: Fusion): CpuBuffer | null {
  const n = numelOf(a.shape);
  if (outDtype !== 'float32' || n < MIN_ELEMENTS || !f.binary.has(op)) return null;
  let x = operand(a, n, f);
  let y = x === null ? null : operand(b, n, f);
  if (x === null || y === null) return null;
  let slots = binarySlots(x.slots, y.slots);
  if (!fits(x, y) || slots > f.slots) {
    // Too long or too wide: the larger operand is computed, and the op
    // builds on its result (rather than computing both and running the op at once).
    const [big, view] = x.nodes >= y.nodes ? [x, a] : [y, b];
    if (big.nodes === 1) return null;
    void view.buffer.data;
    if (big === x) x = operand(a, n, f)!;
    else y = operand(b, n, f)!;
    slots = binarySlots(x.slots, y.slots);
    if (!fits(x, y) || slots > f.slots) return null;
  }
  if (x.expr.kind === 'scalar' && y.expr.kind === 'scalar') {
    // One float32 operation on two float32 values, done in float64 and
    // rounded, is the float32 result exactly (as the kernel would compute it).
    const value = Math.fround(binaryFn(op, 'float32')(x.expr.value, y.expr.value));
    return deferredBuffer(f, { expr: { kind: 'scalar', value }, nodes: 1, slots: 0, leaves: NO_LEAVES }, n);
  }
  const leaves = y.leaves.length === 0 ? x.leaves : x.leaves.length === 0 ? y.leaves : [...new Set([...x.leaves, ...y.leaves])];
  return deferredBuffer(f, { expr: { kind: 'binary', op, a: x.expr, b: y.expr }, nodes: x.nodes + y.nodes + 1, slots, leaves }, n);
}

/**
 * The sum of all elements of a deferred buffer, computed from its expression
 * without writing its elements; null when `x` is not a whole deferred buffer.
 *
 * @example
 * ```ts
 * deferredSum(x) ?? kernels.reduce('sum', view, axes, 'float32');
 * ```
 */
export function deferredSum(x: View<CpuBuffer>): number | null {
  const b = x.buffer;
  const d = b.deferred;
  if (d === null || x.offset !== 0 || numelOf(x.shape) !== b.length || !isContiguous(x.shape, x.strides)) return null;
  return d.fusion.sum(d.expr, b.length);
}

/**
 * `dst = op(dst, src)` computed straight into `dst`'s array, when `dst` is a
 * contiguous float32 view of 4,096 elements or more and `src` is a deferred
 * buffer (a deferred gradient added into an existing `.grad`: its
 * expression never gets an array of its own) or a broadcast view the fused
 * evaluator reads (a bias row, one value per channel) and the in-place
 * kernels do not. False when it does not apply.
 *
 * @example
 * ```ts
 * if (!updateFused('add', dstView, src, fusion)) kernels.binaryInPlace('add', dstView, srcView);
 * ```
 */
export function updateFused(op: BinaryKernel, dst: ArrayView, src: View<CpuBuffer>, fusion: Fusion): boolean {
  if (!(dst.data instanceof Float32Array) || !isContiguous(dst.shape, dst.strides)) return false;
  const n = numelOf(dst.shape);
  const f = src.buffer.deferred?.fusion ?? fusion;
  if (n < MIN_ELEMENTS || !f.binary.has(op)) return false;
  const o = operand(src, n, f);
  // Contiguous and scalar operands: the in-place kernels take those as they are.
  if (o === null || o.expr.kind === 'input' || o.expr.kind === 'scalar' || binarySlots(1, o.slots) > f.slots) return false;
  f.evaluate({ kind: 'binary', op, a: { kind: 'input', data: dst.data, offset: dst.offset }, b: o.expr }, n, dst.data, dst.offset);
  return true;
}
