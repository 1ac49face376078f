import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { BinaryKernel, UnaryKernel } from '../../../primitives/primitives.js';
import { SIMD_ADDC, SIMD_BINARY, SIMD_UNARY } from '../modules/elementwise-module.js';
import { streamLayout } from './stream-layout.js';
import type { StreamBuffers } from './wasm-elementwise.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';

type Fn = (...args: number[]) => void;

/** Below this many elements the call and copies cost more than the JS loop. */
const MIN_ELEMENTS = 256;

function numel(v: ArrayView): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

/** How an operand streams: a contiguous float32 run, or one value (of any type) everywhere; null for anything else. */
function operand(v: ArrayView): 'vector' | 'scalar' | null {
  const layout = streamLayout(v)?.kind;
  if (layout === 'scalar') return 'scalar';
  return layout === 'contiguous' && v.data instanceof Float32Array ? 'vector' : null;
}

/**
 * The in-place kernels on contiguous float32 storage: each chunk of `dst` is
 * copied into the scratch buffers with its operands, computed there by the
 * SIMD kernels (output over input), and copied back. Each returns false for
 * what it does not accelerate (other dtypes, small or strided tensors,
 * broadcast rows, kernels without a SIMD version), and the caller falls back
 * to the reference backend.
 *
 * @example
 * ```ts
 * const ip = createWasmInPlace(rt, exports, buffers);
 * if (!ip.binaryInPlace('mul', dst, src)) jsBackend.binaryInPlace('mul', dst, src);
 * ```
 */
export function createWasmInPlace(
  rt: WasmRuntime,
  ex: Record<string, unknown>,
  buf: StreamBuffers,
): {
  unaryInPlace(op: UnaryKernel, dst: ArrayView): boolean;
  binaryInPlace(op: BinaryKernel, dst: ArrayView, src: ArrayView): boolean;
  addcInPlace(op: BinaryKernel, dst: ArrayView, a: ArrayView, b: ArrayView, value: number): boolean;
} {
  const unaryFns = new Map<string, Fn>(SIMD_UNARY.map((op) => [op, ex[op] as Fn]));
  const binaryFns = new Map<string, { vv: Fn; vs: Fn }>(SIMD_BINARY.map((op) => [op, { vv: ex[`${op}_vv`] as Fn, vs: ex[`${op}_vs`] as Fn }]));
  const addcFns = new Map<string, { vv: Fn; vs: Fn }>(SIMD_ADDC.map((op) => [op, { vv: ex[`addc_${op}_vv`] as Fn, vs: ex[`addc_${op}_vs`] as Fn }]));
  const CH = buf.chunk;

  /** Whether `dst` is a contiguous float32 run long enough to pay for the copies. */
  const accepts = (dst: ArrayView): dst is ArrayView & { data: Float32Array } =>
    dst.data instanceof Float32Array && numel(dst) >= MIN_ELEMENTS && streamLayout(dst)?.kind === 'contiguous';

  /** Copies `len` elements of a vector operand, from element `s`, into the buffer at byte `at`. */
  const feed = (v: ArrayView, s: number, len: number, at: number): void => {
    rt.f32.set(v.data.subarray(v.offset + s, v.offset + s + len), at >> 2);
  };

  /** Copies `len` results from the buffer at byte `at` back into `dst` from element `s`. */
  const drain = (dst: ArrayView & { data: Float32Array }, s: number, len: number, at: number): void => {
    dst.data.set(rt.f32.subarray(at >> 2, (at >> 2) + len), dst.offset + s);
  };

  function unaryInPlace(op: UnaryKernel, dst: ArrayView): boolean {
    const f = unaryFns.get(op);
    if (f === undefined || !accepts(dst)) return false;
    const n = numel(dst);
    for (let s = 0; s < n; s += CH) {
      const len = Math.min(CH, n - s);
      feed(dst, s, len, buf.a);
      f(len, buf.a, buf.a);
      drain(dst, s, len, buf.a);
    }
    return true;
  }

  function binaryInPlace(op: BinaryKernel, dst: ArrayView, src: ArrayView): boolean {
    const fns = binaryFns.get(op);
    const kind = operand(src);
    if (fns === undefined || kind === null || !accepts(dst)) return false;
    const n = numel(dst);
    const scalar = src.data[src.offset]!;
    for (let s = 0; s < n; s += CH) {
      const len = Math.min(CH, n - s);
      feed(dst, s, len, buf.a);
      if (kind === 'vector') {
        feed(src, s, len, buf.b);
        fns.vv(len, buf.a, buf.b, buf.a);
      } else fns.vs(len, buf.a, scalar, buf.a);
      drain(dst, s, len, buf.a);
    }
    return true;
  }

  function addcInPlace(op: BinaryKernel, dst: ArrayView, a: ArrayView, b: ArrayView, value: number): boolean {
    const fns = addcFns.get(op);
    const kb = operand(b);
    if (fns === undefined || operand(a) !== 'vector' || kb === null || !accepts(dst)) return false;
    const n = numel(dst);
    const scalar = b.data[b.offset]!;
    for (let s = 0; s < n; s += CH) {
      const len = Math.min(CH, n - s);
      feed(dst, s, len, buf.out);
      feed(a, s, len, buf.a);
      if (kb === 'vector') {
        feed(b, s, len, buf.b);
        fns.vv(len, buf.out, buf.a, buf.b, value);
      } else fns.vs(len, buf.out, buf.a, scalar, value);
      drain(dst, s, len, buf.out);
    }
    return true;
  }

  return { unaryInPlace, binaryInPlace, addcInPlace };
}
