import type { Backend } from '../backend.js';
import { cpuBackend } from '../cpu/cpu-backend.js';
import type { CpuKernels } from '../cpu/cpu-kernels.js';
import type { Fusion } from '../cpu/fusion.js';
import { jsKernels } from '../js/js-kernels.js';
import { elementwiseModuleBytes } from './modules/elementwise-module.js';
import { float64ModuleBytes } from './modules/float64-module.js';
import { relaxedSimdSupported, simdSupported } from './emitter/simd-support.js';
import { wasmApi } from './emitter/wasm-api.js';
import { createWasmElementwise, type StreamBuffers } from './kernels/wasm-elementwise.js';
import { createWasmFusion } from './kernels/wasm-fusion.js';
import { createWasmInPlace } from './kernels/wasm-in-place.js';
import { MATMUL_BLOCKING, MATMUL_BLOCKING_F64, MATMUL_TILE, MATMUL_TILE_F64 } from './kernels/matmul-config.js';
import { convolutions, type ConvKernels } from '../js/conv2d.js';
import { createWasmConv } from './kernels/wasm-conv.js';
import { createMatmulBlocks, createWasmMatmul } from './kernels/wasm-matmul.js';
import { createWasmMaxPool } from './kernels/wasm-max-pool.js';
import { threadedMatmul } from './threads/num-threads.js';
import type { ThreadedMatmul } from './threads/wasm-matmul-threaded.js';
import { checkOptions, optionRules } from '../../options.js';
import { createWasmExtreme, createWasmSum } from './kernels/wasm-reduce.js';
import { createWasmStrided } from './kernels/wasm-strided.js';
import { WasmRuntime } from './emitter/wasm-runtime.js';
import { typedAssign, typedCopy } from './kernels/typed-copy.js';

const CHUNK = 16384;

/**
 * Builds the WebAssembly SIMD kernels: matmul (float32 and float64), float32
 * elementwise kernels (out of place, in place, and fused when deferred: see
 * `cpu/deferral.ts`), float64 arithmetic, sums, row maxima and minima, 2-D convolution and its
 * gradients, the strided copies of im2col and col2im, and max pooling's
 * window maxima run in generated wasm; everything else (integers, bool,
 * float64 transcendental functions, strided views, small tensors, and any
 * kernel without a SIMD version) are the reference kernels. Returns null where WebAssembly SIMD
 * is missing or compiling fails (a Content-Security-Policy without
 * `'wasm-unsafe-eval'` refuses to compile any module; a browser's main thread
 * refuses large synchronous compiles); `onCompileError` hears why compiling
 * failed, and is not called where SIMD is simply missing.
 *
 * `relaxedSimd` (see `WasmBackendOptions`) says whether the products'
 * micro-kernels use relaxed SIMD's multiply-add; the result says whether
 * they do (only where the engine has it).
 *
 * @example
 * ```ts
 * const wasm = createWasmKernels((error) => console.warn(error));
 * wasm?.kernels.matmul(a, b, 'float32');
 * ```
 */
export function createWasmKernels(
  onCompileError?: (error: unknown) => void,
  { relaxedSimd = true }: WasmBackendOptions = {},
): { readonly kernels: CpuKernels; readonly fusion: Fusion; readonly relaxedSimd: boolean } | null {
  const api = wasmApi();
  if (api === null || !simdSupported(api)) return null;
  const fma = relaxedSimd && relaxedSimdSupported(api);
  try {
    // Layout: [0, 64) unused, three float32 stream buffers, a float64 one, then matmul's.
    const slot = CHUNK * 4 + 64;
    const buffers: StreamBuffers = { chunk: CHUNK, a: 64, b: 64 + slot, out: 64 + 2 * slot };
    const f64At = 64 + 3 * slot;
    const matmulAt = f64At + CHUNK * 8 + 64;
    const rt = new WasmRuntime(api, matmulAt + (1 << 20));
    const ex = Object.assign({}, ...[...elementwiseModuleBytes(), float64ModuleBytes()].map((bytes) => rt.instantiate(bytes))) as Record<string, unknown>;
    const ew = createWasmElementwise(rt, ex, buffers);
    const ip = createWasmInPlace(rt, ex, buffers);
    const sum = createWasmSum(rt, ex, buffers, f64At);
    const extreme = createWasmExtreme(rt, ex, buffers);
    const blocks = createMatmulBlocks(rt, matmulAt, MATMUL_TILE, MATMUL_BLOCKING, 'float32', fma);
    const mm = createWasmMatmul(rt, blocks);
    // Kernels run one at a time, so the float64 matmul packs and stages in the same scratch.
    const mm64 = createWasmMatmul(rt, createMatmulBlocks(rt, matmulAt, MATMUL_TILE_F64, MATMUL_BLOCKING_F64, 'float64', fma));
    const fusion = createWasmFusion(rt, ex, buffers);
    // Kernels run one at a time, so im2col and col2im stage their data in matmul's scratch
    // (the convolutions stage theirs after matmul's packing regions, which they use).
    const strided = createWasmStrided(rt, matmulAt);
    const maxPool = createWasmMaxPool(rt, matmulAt);
    const conv = createWasmConv(rt, blocks, strided.windowRows, fma);
    const kernels: ConvKernels = {
      copy: (x, outDtype) => typedCopy(x, outDtype) ?? strided.copy(x, outDtype) ?? jsKernels.copy(x, outDtype),
      im2col: (x, geometry, outDtype) => strided.im2col(x, geometry, outDtype) ?? jsKernels.im2col(x, geometry, outDtype),
      col2im: (cols, geometry, outDtype) => strided.col2im(cols, geometry, outDtype) ?? jsKernels.col2im(cols, geometry, outDtype),
      // With setNumThreads(n > 1), large float32 products go to the threaded kernel first,
      // when it multiplies and adds as this backend does.
      matmul: (a, b, outDtype) =>
        threaded(fma)?.matmul(a, b, outDtype) ?? mm(a, b, outDtype) ?? mm64(a, b, outDtype) ?? jsKernels.matmul(a, b, outDtype),
    };
    // What the image-by-image kernels leave (float64, weights whose dims do not
    // merge) is composed of this backend's im2col, matmul and col2im.
    const batched = convolutions(kernels);
    const all: CpuKernels = {
      // Kernels this backend does not accelerate come from the reference, including any the interface gains.
      ...jsKernels,
      ...kernels,
      conv2d: (x, w, b, geometry, groups, outDtype) => conv.conv2d(x, w, b, geometry, groups, outDtype) ?? batched.conv2d(x, w, b, geometry, groups, outDtype),
      conv2dInput: (grad, w, geometry, groups, outDtype) =>
        conv.conv2dInput(grad, w, geometry, groups, outDtype) ?? batched.conv2dInput(grad, w, geometry, groups, outDtype),
      conv2dWeight: (x, grad, geometry, groups, outDtype) =>
        conv.conv2dWeight(x, grad, geometry, groups, outDtype) ?? batched.conv2dWeight(x, grad, geometry, groups, outDtype),
      maxPoolIndices: (x, geometry) => maxPool(x, geometry) ?? jsKernels.maxPoolIndices(x, geometry),
      fold: (x, dim, size, step, dilation, length, outDtype) =>
        strided.fold(x, dim, size, step, dilation, length, outDtype) ?? jsKernels.fold(x, dim, size, step, dilation, length, outDtype),
      assign: (dst, src) => {
        if (!typedAssign(dst, src)) jsKernels.assign(dst, src);
      },
      unary: (op, x, outDtype) => ew.unary(op, x, outDtype) ?? jsKernels.unary(op, x, outDtype),
      binary: (op, a, b, outDtype) => ew.binary(op, a, b, outDtype) ?? jsKernels.binary(op, a, b, outDtype),
      unaryInPlace: (op, dst) => {
        if (!ip.unaryInPlace(op, dst)) jsKernels.unaryInPlace(op, dst);
      },
      binaryInPlace: (op, dst, src) => {
        if (!ip.binaryInPlace(op, dst, src)) jsKernels.binaryInPlace(op, dst, src);
      },
      addcInPlace: (op, dst, a, b, value) => {
        if (!ip.addcInPlace(op, dst, a, b, value)) jsKernels.addcInPlace(op, dst, a, b, value);
      },
      reduce: (op, x, axes, outDtype) => sum(op, x, axes, outDtype) ?? extreme(op, x, axes, outDtype) ?? jsKernels.reduce(op, x, axes, outDtype),
    };
    return { kernels: all, fusion, relaxedSimd: fma };
  } catch (error) {
    onCompileError?.(error);
    return null;
  }
}

/** The threaded matmul while one runs and multiplies and adds as `fma` says, else null. */
function threaded(fma: boolean): ThreadedMatmul | null {
  const t = threadedMatmul();
  return t !== null && t.relaxedSimd === fma ? t : null;
}

/**
 * Options of {@link createWasmBackend}.
 *
 * @example
 * ```ts
 * const options: WasmBackendOptions = { relaxedSimd: false };
 * ```
 */
export interface WasmBackendOptions {
  /**
   * Whether matmul and convolution multiply and add with relaxed SIMD's
   * `f32x4.relaxed_madd` where the engine has it (Chrome 114+, Node 22+;
   * Node 20 with `--experimental-wasm-relaxed-simd`). Default true. The
   * engine may fuse it (one rounding, on CPUs with FMA) or not (two), so
   * results can differ in the last bits between machines; `false` keeps a
   * multiply and an add, the same bits everywhere.
   */
  readonly relaxedSimd?: boolean;
}

/**
 * Builds the WebAssembly SIMD backend: the CPU backend over the WebAssembly
 * kernels (`createWasmKernels`). Returns null where WebAssembly
 * SIMD is missing or compiling fails. `setBackend('wasm')` uses one built
 * with the default options.
 *
 * @example
 * ```ts
 * const be = createWasmBackend({ relaxedSimd: false }); // the same bits on every engine
 * if (be !== null) setBackend(be);
 * ```
 */
export function createWasmBackend(options: WasmBackendOptions = {}): Backend | null {
  checkOptions('createWasmBackend', options, { relaxedSimd: optionRules.boolean });
  const wasm = createWasmKernels(undefined, options);
  return wasm === null ? null : cpuBackend('wasm', wasm.kernels, wasm.fusion);
}
