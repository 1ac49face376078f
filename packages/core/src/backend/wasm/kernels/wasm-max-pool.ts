import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../../primitives/primitives.js';
import { validRange } from '../../js/im2col.js';
import { windowTaps } from '../../js/max-pool.js';
import { maxPoolModuleBytes } from '../modules/max-pool-module.js';
import { stageableSpan } from './view-span.js';
import { align, type WasmRuntime } from '../emitter/wasm-runtime.js';

type Fn = (...args: number[]) => void;

/** Below this many windows the staging copy costs more than the reference's loop. */
const MIN_WINDOWS = 1024;

/**
 * The float32 max-pooling kernel in wasm: `maxPoolIndices` on any strided
 * `[N, C, H, W]` view, with the view's span staged in the scratch region at
 * `base`; the same indices as the reference. It returns null for what it
 * leaves to the reference (other dtypes, few windows, views that reach far
 * beyond their elements).
 *
 * @example
 * ```ts
 * const pool = createWasmMaxPool(rt, scratchAt);
 * pool(xView, geometry) ?? jsBackend.maxPoolIndices(xView, geometry);
 * ```
 */
export function createWasmMaxPool(rt: WasmRuntime, base: number): (x: ArrayView, geometry: ConvGeometry) => Int32Array | null {
  const kernel = rt.instantiate(maxPoolModuleBytes())['maxPoolIndices'] as Fn;
  return (x, g) => {
    const [N, C] = x.shape as [number, number];
    const [OH, OW] = g.outSize as [number, number];
    const windows = N * C * OH * OW;
    if (!(x.data instanceof Float32Array) || windows < MIN_WINDOWS) return null;
    const W = g.size[1]!;
    const span = stageableSpan(x);
    if (span === null) return null;
    const [sW, pW, dW] = [g.stride[1]!, g.padBefore[1]!, g.dilation[1]!];
    // Per window row and column the taps inside the image; per kw the windows whose tap kw is inside.
    const kws = new Int32Array(2 * g.kernel[1]!);
    for (let kw = 0; kw < g.kernel[1]!; kw++) kws.set(validRange(W, sW, pW, dW, kw, OW), 2 * kw);
    const tables = [windowTaps(g, 0), windowTaps(g, 1), kws, Int32Array.of(0, sW, 2 * sW, 3 * sW)];
    // Wasm memory from `base`: the span, the four tables, a row of running maxima, the indices.
    const src = align(base);
    const at: number[] = [];
    let next = align(src + (span.hi - span.lo) * 4);
    for (const t of tables) {
      at.push(next);
      next = align(next + t.length * 4);
    }
    const [rowsAt, colsAt, kwsAt, lanesAt] = at as [number, number, number, number];
    const bestAt = next;
    const dst = align(bestAt + OW * 4);
    try {
      rt.reserve(dst + windows * 4);
    } catch {
      return null;
    }
    rt.f32.set(x.data.subarray(span.lo, span.hi), src >> 2);
    tables.forEach((t, i) => rt.i32.set(t, at[i]! >> 2));
    const [sn, sc, sh, sw] = x.strides.map((s) => s * 4) as [number, number, number, number];
    const x0 = src + (x.offset - span.lo) * 4;
    kernel(N, C, OH, OW, g.kernel[1]!, x0, sn, sc, sh, sw, W, sW, pW, dW, g.dilation[0]!, rowsAt, colsAt, kwsAt, bestAt, lanesAt, dst);
    const out = allocateUninit('int32', windows) as Int32Array;
    out.set(rt.i32.subarray(dst >> 2, (dst >> 2) + windows));
    return out;
  };
}
