import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { BinaryKernel, UnaryKernel } from '../../../primitives/primitives.js';
import { coalesce, runs } from '../../js/strided-rows.js';
import { SIMD_BINARY, SIMD_COMPARE, SIMD_UNARY } from '../modules/elementwise-module.js';
import { SIMD64_BINARY, SIMD64_UNARY } from '../modules/float64-module.js';
import { streamLayout, type StreamLayout } from './stream-layout.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';

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

function numel(v: ArrayView): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

/**
 * What the streaming code needs to know of an element type: the memory view
 * it uses, the bytes per element as a shift, and its chunk (the buffers hold
 * 16384 floats or 8192 doubles).
 */
interface Lane {
  readonly mem: () => Float32Array | Float64Array;
  readonly shift: 2 | 3;
  readonly chunk: number;
}

interface BinaryFns {
  readonly vv: Fn;
  readonly vs: Fn;
  readonly sv: Fn;
  readonly out: DType;
}

/**
 * The streaming elementwise kernels on float32 and float64: `unary` and
 * `binary` return null for what they do not accelerate (other dtypes, mixed
 * float widths, small or strided inputs, kernels without a SIMD version), and
 * the caller falls back to the reference backend.
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
  unary(op: UnaryKernel, x: ArrayView, outDtype: DType): TypedArray | null;
  binary(op: BinaryKernel, a: ArrayView, b: ArrayView, outDtype: DType): TypedArray | null;
} {
  const f32: Lane = { mem: () => rt.f32, shift: 2, chunk: buf.chunk };
  const f64: Lane = { mem: () => rt.f64, shift: 3, chunk: buf.chunk >> 1 };
  const unaryFns = new Map<string, Fn>(SIMD_UNARY.map((op) => [op, ex[op] as Fn]));
  const unary64Fns = new Map<string, Fn>(SIMD64_UNARY.map((op) => [op, ex[`${op}_f64`] as Fn]));
  const fnsOf = (op: string, suffix: string, out: DType): BinaryFns => ({
    vv: ex[`${op}_vv${suffix}`] as Fn,
    vs: ex[`${op}_vs${suffix}`] as Fn,
    sv: ex[`${op}_sv${suffix}`] as Fn,
    out,
  });
  const binaryFns = new Map<string, BinaryFns>([
    ...SIMD_BINARY.map((op) => [op, fnsOf(op, '', 'float32')] as const),
    ...SIMD_COMPARE.map((op) => [op, fnsOf(op, '', 'bool')] as const),
  ]);
  const binary64Fns = new Map<string, BinaryFns>(SIMD64_BINARY.map((op) => [op, fnsOf(op, '_f64', 'float64')]));

  function unary(op: UnaryKernel, x: ArrayView, outDtype: DType): TypedArray | null {
    const n = numel(x);
    const wide = outDtype === 'float64';
    if (n < MIN_ELEMENTS || !(wide ? x.data instanceof Float64Array : outDtype === 'float32' && x.data instanceof Float32Array)) return null;
    const f = (wide ? unary64Fns : unaryFns).get(op);
    const lane = wide ? f64 : f32;
    if (f === undefined || streamLayout(x)?.kind !== 'contiguous') return null;
    const out = allocateUninit(outDtype, n);
    const src = x.data;
    const { shift, chunk } = lane;
    for (let s = 0; s < n; s += chunk) {
      const len = Math.min(chunk, n - s);
      const mem = lane.mem();
      mem.set(src.subarray(x.offset + s, x.offset + s + len), buf.a >> shift);
      f(len, buf.a, buf.out);
      out.set(mem.subarray(buf.out >> shift, (buf.out >> shift) + len), s);
    }
    return out;
  }

  function binary(op: BinaryKernel, a: ArrayView, b: ArrayView, outDtype: DType): TypedArray | null {
    if (numel(a) < MIN_ELEMENTS) return null;
    if (outDtype === 'float64') {
      const fns = binary64Fns.get(op);
      if (fns === undefined || !(a.data instanceof Float64Array) || !(b.data instanceof Float64Array)) return null;
      return streamBinary(fns, f64, a, b);
    }
    const fns = binaryFns.get(op);
    if (fns === undefined || outDtype !== fns.out) return null;
    // A bool operand of float32 arithmetic (ReLU's mask times its gradient) is
    // widened to 0/1 floats as its chunks are copied in (`Float32Array.set`
    // converts natively), which is exactly the reference's promotion.
    if (!streamsAsFloat(a, fns.out) || !streamsAsFloat(b, fns.out) || !(a.data instanceof Float32Array || b.data instanceof Float32Array)) return null;
    return streamBinary(fns, f32, a, b);
  }

  function streamBinary(fns: BinaryFns, lane: Lane, a: ArrayView, b: ArrayView): TypedArray | null {
    const n = numel(a);
    const outDtype = fns.out;
    const la = streamLayout(a);
    const lb = streamLayout(b);
    if (la?.kind === 'contiguous' && lb === null) return perRun(fns, lane, a, b, false);
    if (lb?.kind === 'contiguous' && la === null) return perRun(fns, lane, b, a, true);
    if (la === null || lb === null || (la.kind === 'rows' && lb.kind === 'rows')) return null;
    const { shift, chunk: CH } = lane;
    const bytes = outDtype === 'bool';
    if (la.kind === 'scalar' && lb.kind === 'scalar') {
      // Both broadcast from one element (the gradient of a sum, scaled): one
      // kernel call on that element, then a fill.
      const mem = lane.mem();
      mem[buf.a >> shift] = a.data[a.offset]!;
      mem[buf.b >> shift] = b.data[b.offset]!;
      fns.vv(1, buf.a, buf.b, buf.out);
      return bytes ? allocateUninit('bool', n).fill(rt.u8[buf.out]!) : allocateUninit(outDtype, n).fill(lane.mem()[buf.out >> shift]!);
    }
    const rowLen = la.kind === 'rows' ? la.len : lb.kind === 'rows' ? lb.len : 0;
    const out = allocateUninit(outDtype, n);
    // Rows shorter than a chunk: chunks hold whole rows, and the repeated row
    // is written into its buffer once. Longer rows: chunks never cross a row.
    const step = rowLen > 0 && rowLen < CH ? Math.floor(CH / rowLen) * rowLen : CH;
    if (rowLen > 0 && rowLen < CH) {
      const [v, at] = la.kind === 'rows' ? [a, buf.a] : [b, buf.b];
      const mem = lane.mem();
      for (let r = 0; r < step; r += rowLen) mem.set(v.data.subarray(v.offset, v.offset + rowLen), (at >> shift) + r);
    }
    const feed = (v: ArrayView, layout: StreamLayout, at: number, s: number, len: number): void => {
      if (layout.kind === 'contiguous') lane.mem().set(v.data.subarray(v.offset + s, v.offset + s + len), at >> shift);
      else if (layout.kind === 'rows' && layout.len >= CH) {
        const o = v.offset + (s % layout.len);
        lane.mem().set(v.data.subarray(o, o + len), at >> shift);
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
      else {
        const mem = lane.mem();
        out.set(mem.subarray(buf.out >> shift, (buf.out >> shift) + len), s);
      }
      s += len;
    }
    return out;
  }

  /**
   * `v` contiguous and `s` one element per run of the trailing dims (a
   * per-channel bias or scale over [N, C, H, W], a row's max or sum over
   * [N, T, E]): runs shorter than half a chunk go several to a chunk, their
   * scalars filled into the other buffer run by run and one vector kernel call
   * per chunk (a call per run of 128 or 256 floats, as softmax and layer norm
   * make, cost more than the arithmetic); longer ones take one scalar kernel
   * call per run and chunk. `swapped` when `s` is the first operand.
   */
  function perRun(fns: BinaryFns, lane: Lane, v: ArrayView, s: ArrayView, swapped: boolean): TypedArray | null {
    const runs = runScalars(s);
    if (runs === null) return null;
    const n = numel(v);
    const outDtype = fns.out;
    const bytes = outDtype === 'bool';
    const out = allocateUninit(outDtype, n);
    const { len, offsets } = runs;
    const { shift, chunk: CH } = lane;
    const [at, scalarsAt] = swapped ? [buf.b, buf.a] : [buf.a, buf.b];
    const drain = (start: number, m: number): void => {
      if (bytes) out.set(rt.u8.subarray(buf.out, buf.out + m), start);
      else out.set(lane.mem().subarray(buf.out >> shift, (buf.out >> shift) + m), start);
    };
    if (2 * len <= CH) {
      const perChunk = Math.floor(CH / len);
      for (let r0 = 0; r0 < offsets.length; r0 += perChunk) {
        const r1 = Math.min(offsets.length, r0 + perChunk);
        const [start, m] = [r0 * len, (r1 - r0) * len];
        const mem = lane.mem();
        mem.set(v.data.subarray(v.offset + start, v.offset + start + m), at >> shift);
        for (let r = r0, to = scalarsAt >> shift; r < r1; r++, to += len) mem.fill(s.data[offsets[r]!]!, to, to + len);
        fns.vv(m, buf.a, buf.b, buf.out);
        drain(start, m);
      }
      return out;
    }
    const f = swapped ? fns.sv : fns.vs;
    for (let r = 0; r < offsets.length; r++) {
      const scalar = s.data[offsets[r]!]!;
      for (let c = 0; c < len; c += CH) {
        const start = r * len + c;
        const m = Math.min(CH, len - c);
        lane.mem().set(v.data.subarray(v.offset + start, v.offset + start + m), at >> shift);
        if (swapped) f(m, scalar, buf.b, buf.out);
        else f(m, buf.a, scalar, buf.out);
        drain(start, m);
      }
    }
    return out;
  }

  return { unary, binary };
}

/** Whether `v` can be streamed into float32 buffers for a kernel with output `out`. */
function streamsAsFloat(v: ArrayView, out: DType): boolean {
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
export function runScalars(v: ArrayView): { len: number; offsets: Int32Array } | null {
  let d = v.shape.length;
  let len = 1;
  while (d > 0 && (v.strides[d - 1] === 0 || v.shape[d - 1] === 1)) len *= v.shape[--d]!;
  if (d === 0 || len < MIN_RUN) return null;
  const { len: lastLen, stepA: lastStride, a: rows } = runs(coalesce(v.shape.slice(0, d), [v.strides.slice(0, d)]), [v.offset]);
  const offsets = new Int32Array(rows.length * lastLen);
  for (let r = 0; r < rows.length; r++) for (let j = 0; j < lastLen; j++) offsets[r * lastLen + j] = rows[r]! + j * lastStride;
  return { len, offsets };
}
