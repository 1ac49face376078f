import { allocateUninit, type DType, type TypedArray } from '../../dtype.js';
import type { BinaryKernel, UnaryKernel, View } from '../backend.js';
import { coalesce, rowOffsets } from '../js/strided-rows.js';
import { SIMD_BINARY, SIMD_COMPARE, SIMD_UNARY } from './elementwise-module.js';
import { streamLayout, type StreamLayout } from './stream-layout.js';
import type { WasmRuntime } from './wasm-runtime.js';

type Fn = (...args: number[]) => void;

/**
 * Where the streaming kernels keep their chunks: three float32 buffers of
 * `chunk` elements (inputs a, b and the output) at fixed byte addresses.
 * A chunk of 16384 floats keeps the three buffers (192 KB) in L2, so each
 * element crosses main memory once on the way in and once on the way out.
 *
 * @example
 * ```ts
 * const s: StreamBuffers = { chunk: 16384, a: 64, b: 65664, out: 131264 };
 * ```
 */
export interface StreamBuffers {
  readonly chunk: number;
  readonly a: number;
  readonly b: number;
  readonly out: number;
}

/** Below this many elements the call and copies cost more than the JS loop. */
const MIN_ELEMENTS = 256;

function numel(v: View): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

/**
 * The streaming elementwise kernels on float32: `unary` and `binary` return
 * null for what they do not accelerate (other dtypes, small or strided
 * inputs, kernels without a SIMD version), and the caller falls back to the
 * reference backend.
 *
 * @example
 * ```ts
 * const ew = createWasmElementwise(rt, exports, buffers);
 * ew.binary('mul', a, b, 'float32') ?? jsBinary('mul', a, b, 'float32');
 * ```
 */
export function createWasmElementwise(
  rt: WasmRuntime,
  ex: Record<string, unknown>,
  buf: StreamBuffers,
): {
  unary(op: UnaryKernel, x: View, outDtype: DType): TypedArray | null;
  binary(op: BinaryKernel, a: View, b: View, outDtype: DType): TypedArray | null;
} {
  const unaryFns = new Map<string, Fn>(SIMD_UNARY.map((op) => [op, ex[op] as Fn]));
  const binaryFns = new Map<string, { vv: Fn; vs: Fn; sv: Fn; out: DType }>(
    [...SIMD_BINARY.map((op) => [op, 'float32'] as const), ...SIMD_COMPARE.map((op) => [op, 'bool'] as const)].map(([op, out]) => [
      op,
      { vv: ex[`${op}_vv`] as Fn, vs: ex[`${op}_vs`] as Fn, sv: ex[`${op}_sv`] as Fn, out },
    ]),
  );
  const CH = buf.chunk;

  function unary(op: UnaryKernel, x: View, outDtype: DType): TypedArray | null {
    const f = unaryFns.get(op);
    const n = numel(x);
    if (f === undefined || outDtype !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) return null;
    if (streamLayout(x)?.kind !== 'contiguous') return null;
    const out = allocateUninit('float32', n);
    const src = x.data;
    for (let s = 0; s < n; s += CH) {
      const len = Math.min(CH, n - s);
      const f32 = rt.f32;
      f32.set(src.subarray(x.offset + s, x.offset + s + len), buf.a >> 2);
      f(len, buf.a, buf.out);
      out.set(f32.subarray(buf.out >> 2, (buf.out >> 2) + len), s);
    }
    return out;
  }

  function binary(op: BinaryKernel, a: View, b: View, outDtype: DType): TypedArray | null {
    const fns = binaryFns.get(op);
    const n = numel(a);
    if (fns === undefined || outDtype !== fns.out || n < MIN_ELEMENTS) return null;
    // A bool operand of float32 arithmetic (ReLU's mask times its gradient) is
    // widened to 0/1 floats as its chunks are copied in (`Float32Array.set`
    // converts natively), which is exactly the reference's promotion.
    if (!streamsAsFloat(a, fns.out) || !streamsAsFloat(b, fns.out) || !(a.data instanceof Float32Array || b.data instanceof Float32Array)) return null;
    const la = streamLayout(a);
    const lb = streamLayout(b);
    if (la?.kind === 'contiguous' && lb === null) return perRun(fns.vs, a, b, outDtype, false);
    if (lb?.kind === 'contiguous' && la === null) return perRun(fns.sv, b, a, outDtype, true);
    if (la === null || lb === null || (la.kind === 'rows' && lb.kind === 'rows')) return null;
    if (la.kind === 'scalar' && lb.kind === 'scalar') {
      // Both broadcast from one element (the gradient of a sum, scaled): one
      // kernel call on that element, then a fill.
      const f32 = rt.f32;
      f32[buf.a >> 2] = a.data[a.offset]!;
      f32[buf.b >> 2] = b.data[b.offset]!;
      fns.vv(1, buf.a, buf.b, buf.out);
      return outDtype === 'bool' ? allocateUninit('bool', n).fill(rt.u8[buf.out]!) : allocateUninit('float32', n).fill(rt.f32[buf.out >> 2]!);
    }
    const rowLen = la.kind === 'rows' ? la.len : lb.kind === 'rows' ? lb.len : 0;
    const bytes = outDtype === 'bool';
    const out = allocateUninit(bytes ? 'bool' : 'float32', n);
    // Rows shorter than a chunk: chunks hold whole rows, and the repeated row
    // is written into its buffer once. Longer rows: chunks never cross a row.
    const step = rowLen > 0 && rowLen < CH ? Math.floor(CH / rowLen) * rowLen : CH;
    if (rowLen > 0 && rowLen < CH) {
      const [v, at] = la.kind === 'rows' ? [a, buf.a] : [b, buf.b];
      const f32 = rt.f32;
      for (let r = 0; r < step; r += rowLen) f32.set(v.data.subarray(v.offset, v.offset + rowLen), (at >> 2) + r);
    }
    const feed = (v: View, layout: StreamLayout, at: number, s: number, len: number): void => {
      if (layout.kind === 'contiguous') rt.f32.set(v.data.subarray(v.offset + s, v.offset + s + len), at >> 2);
      else if (layout.kind === 'rows' && layout.len >= CH) {
        const o = v.offset + (s % layout.len);
        rt.f32.set(v.data.subarray(o, o + len), at >> 2);
      }
    };
    for (let s = 0; s < n; ) {
      let len = Math.min(step, n - s);
      if (rowLen >= CH) len = Math.min(len, rowLen - (s % rowLen));
      feed(a, la, buf.a, s, len);
      feed(b, lb, buf.b, s, len);
      if (la.kind === 'scalar') fns.sv(len, a.data[a.offset]!, buf.b, buf.out);
      else if (lb.kind === 'scalar') fns.vs(len, buf.a, b.data[b.offset]!, buf.out);
      else fns.vv(len, buf.a, buf.b, buf.out);
      if (bytes) out.set(rt.u8.subarray(buf.out, buf.out + len), s);
      else out.set(rt.f32.subarray(buf.out >> 2, (buf.out >> 2) + len), s);
      s += len;
    }
    return out;
  }

  /**
   * `v` contiguous and `s` one element per run of the trailing dims (a
   * per-channel bias or scale over [N, C, H, W]): one scalar kernel call per
   * run and chunk. `swapped` when `s` is the first operand.
   */
  function perRun(f: Fn, v: View, s: View, outDtype: DType, swapped: boolean): TypedArray | null {
    const runs = runScalars(s);
    if (runs === null) return null;
    const n = numel(v);
    const bytes = outDtype === 'bool';
    const out = allocateUninit(bytes ? 'bool' : 'float32', n);
    const { len, offsets } = runs;
    const at = swapped ? buf.b : buf.a;
    for (let r = 0; r < offsets.length; r++) {
      const scalar = s.data[offsets[r]!]!;
      for (let c = 0; c < len; c += CH) {
        const start = r * len + c;
        const m = Math.min(CH, len - c);
        rt.f32.set(v.data.subarray(v.offset + start, v.offset + start + m), at >> 2);
        if (swapped) f(m, scalar, buf.b, buf.out);
        else f(m, buf.a, scalar, buf.out);
        if (bytes) out.set(rt.u8.subarray(buf.out, buf.out + m), start);
        else out.set(rt.f32.subarray(buf.out >> 2, (buf.out >> 2) + m), start);
      }
    }
    return out;
  }

  return { unary, binary };
}

/** Whether `v` can be streamed into float32 buffers for a kernel with output `out`. */
function streamsAsFloat(v: View, out: DType): boolean {
  return v.data instanceof Float32Array || (out === 'float32' && v.data instanceof Uint8Array);
}

/** Runs shorter than this cost more in calls than the reference loop. */
const MIN_RUN = 64;

/**
 * When `v` repeats one element along runs over its trailing dims (stride 0,
 * as a [C, 1, 1] bias broadcast over [N, C, H, W]), the run length and the
 * storage offset of each run's element, in order; otherwise null.
 *
 * @example
 * ```ts
 * runScalars({ data, shape: [2, 3, 8, 8], strides: [0, 1, 0, 0], offset: 0 }); // { len: 64, offsets: [0, 1, 2, 0, 1, 2] }
 * ```
 */
export function runScalars(v: View): { len: number; offsets: Int32Array } | null {
  let d = v.shape.length;
  let len = 1;
  while (d > 0 && (v.strides[d - 1] === 0 || v.shape[d - 1] === 1)) len *= v.shape[--d]!;
  if (d === 0 || len < MIN_RUN) return null;
  const layout = coalesce(v.shape.slice(0, d), [v.strides.slice(0, d)]);
  const last = layout.shape.length - 1;
  const lastLen = layout.shape[last]!;
  const lastStride = layout.strides[0]![last]!;
  const rows = rowOffsets(layout, [v.offset]).a;
  const offsets = new Int32Array(rows.length * lastLen);
  for (let r = 0; r < rows.length; r++) for (let j = 0; j < lastLen; j++) offsets[r * lastLen + j] = rows[r]! + j * lastStride;
  return { len, offsets };
}
