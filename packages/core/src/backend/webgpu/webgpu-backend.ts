import type { Backend, View } from '../backend.js';
import { numelOf } from '../../shape.js';
import { ARRAY_TYPES, dtypeOfArray, type DType } from '../../dtype.js';
import { DeviceError } from '../../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../../options.js';
import type { ConvGeometry } from '../../primitives/primitives.js';
import { BufferPool, type GpuMemoryStats } from './buffer-pool.js';
import { convolutions } from './conv2d.js';
import { elementwiseKernels } from './elementwise.js';
import { foldKernel } from './fold.js';
import { GpuBuffer, gpuDtype, type GpuDType } from './gpu-buffer.js';
import { GpuRunner } from './gpu-runner.js';
import { MAP_READ, USAGE_COPY_DST, USAGE_MAP_READ, type GpuBufferHandle, type GpuDeviceLike } from './gpu-types.js';
import { im2colKernels } from './im2col.js';
import { indexingKernels } from './indexing.js';
import { matmulKernel } from './matmul.js';
import { maxPoolKernel } from './max-pool.js';
import { PipelineCache } from './pipeline-cache.js';
import { reduceKernels } from './reduce.js';

/**
 * The WebGPU backend: a {@link Backend} whose buffers are GPU storage buffers,
 * plus {@link WebGpuBackend.memoryStats}.
 *
 * @example
 * ```ts
 * const be: WebGpuBackend = createWebGpuBackend(device);
 * be.memoryStats().liveBytes;
 * ```
 */
export interface WebGpuBackend extends Backend<GpuBuffer> {
  /** Bytes of GPU memory in use by buffers, and kept in the pool for reuse. */
  memoryStats(): GpuMemoryStats & { readonly pipelines: number };
}

/**
 * Options of {@link createWebGpuBackend}.
 *
 * @example
 * ```ts
 * const options: WebGpuBackendOptions = { gcPressure: false };
 * ```
 */
export interface WebGpuBackendOptions {
  /**
   * Whether the GPU memory a tensor holds counts, for the JavaScript garbage
   * collector, as memory of the tensor (default `true`): each buffer in use
   * carries an untouched ArrayBuffer of its size, so the engine collects
   * dropped tensors as their GPU memory adds up, not only as the JS heap
   * does. It costs address space, not resident memory. `false` leaves
   * collections to the JS heap alone (a loop that drops large tensors then
   * holds GPU memory until one happens).
   */
  readonly gcPressure?: boolean;
}

const backendOptionRules: OptionRules = { gcPressure: optionRules.boolean };

const SYNC_READ_HINT = 'use await t.dataAsync(), t.itemAsync() or t.toArrayAsync()';

/**
 * A backend that runs every kernel as a WGSL compute shader on `device`.
 * float32, int32 and bool live on the GPU (bool as u32 0/1); float64 is
 * refused with a `DTypeError` (WGSL has no f64: float64 stays on the CPU).
 * Reads are asynchronous only: `read` throws a `DeviceError` naming
 * `dataAsync()`, `itemAsync()` and `toArrayAsync()`. Memory comes from a
 * size-class pool; buffers that backward frees go back to it at once, and
 * those the garbage collector finds go back through a `FinalizationRegistry`.
 * The collector is told what each tensor's GPU memory weighs (see
 * {@link WebGpuBackendOptions.gcPressure}), so a training loop that neither
 * disposes tensors nor forces collections keeps its GPU memory bounded.
 *
 * @example
 * ```ts
 * const adapter = await navigator.gpu.requestAdapter();
 * setBackend(createWebGpuBackend(await adapter!.requestDevice()));
 * const y = tensor([1, 2, 3]).mul(2);
 * console.log(await y.toArrayAsync()); // [2, 4, 6]
 * ```
 */
export function createWebGpuBackend(device: GpuDeviceLike, options: WebGpuBackendOptions = {}): WebGpuBackend {
  checkOptions('createWebGpuBackend', options, backendOptionRules);
  const pool = new BufferPool(device, options.gcPressure ?? true);
  const run = new GpuRunner(device, pool, new PipelineCache(device));
  // The held value is the handle alone: the weight dies with the buffer object.
  const collector = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<GpuBufferHandle>((h) => pool.give(h, null)) : null;

  function make(dtype: GpuDType, n: number): GpuBuffer {
    const { handle, weight } = pool.acquire(Math.max(n, 1) * 4);
    const b = new GpuBuffer(handle, dtype, n, weight);
    collector?.register(b, handle, b);
    return b;
  }
  function free(buffers: readonly GpuBuffer[]): void {
    for (const b of buffers) {
      if (!(b instanceof GpuBuffer) || b.released) continue;
      b.released = true;
      collector?.unregister(b);
      pool.give(b.handle, b.weight);
      b.weight = null;
    }
  }
  // Kernel results: every element is written, so the pooled memory needs no clearing.
  const alloc = make;
  const out = (op: string, d: DType): GpuDType => gpuDtype(op, d);

  const ew = elementwiseKernels(run, alloc);
  const red = reduceKernels(run, alloc);
  const matmul = matmulKernel(run, alloc);
  const idx = indexingKernels(run, alloc);
  const im = im2colKernels(run, alloc);
  const fold = foldKernel(run, alloc);
  const maxPoolIndices = maxPoolKernel(run, alloc);
  /** `v` `[...batch, r, c]` copied into a fresh buffer and viewed as `[batch, r, c]`. */
  const batched = (v: View<GpuBuffer>): View<GpuBuffer> => {
    const nd = v.shape.length;
    const [r, c] = [v.shape[nd - 2]!, v.shape[nd - 1]!];
    return { buffer: ew.copy(v, v.buffer.dtype), shape: [numelOf(v.shape.slice(0, nd - 2)), r, c], strides: [r * c, c, 1], offset: 0 };
  };
  const conv = convolutions({ copy: ew.copy, assign: ew.assign, binaryInto: ew.binaryInto, reduce: red.reduce, matmul, im2col: im.im2col, col2im: im.col2im, alloc, free });

  return {
    name: 'webgpu',
    device: 'webgpu',
    readsSync: false,
    alloc(dtype, n) {
      const b = make(gpuDtype('alloc', dtype), n);
      const encoder = device.createCommandEncoder();
      encoder.clearBuffer(b.handle as never);
      device.queue.submit([encoder.finish()] as never);
      return b;
    },
    upload(data) {
      const dtype = gpuDtype('upload', dtypeOfArray(data));
      const b = make(dtype, data.length);
      if (data.length > 0) device.queue.writeBuffer(b.handle as never, 0, data instanceof Uint8Array ? Uint32Array.from(data) : (data as Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>));
      return b;
    },
    read() {
      throw new DeviceError(`read: a tensor on the webgpu device cannot be read synchronously; ${SYNC_READ_HINT}`);
    },
    async readAsync(b) {
      const bytes = b.length * 4;
      if (bytes === 0) return new ARRAY_TYPES[b.dtype](0);
      const staging = device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(b.handle as never, 0, staging as never, 0, bytes);
      device.queue.submit([encoder.finish()] as never);
      try {
        await staging.mapAsync(MAP_READ);
        const words = staging.getMappedRange().slice(0);
        staging.unmap();
        if (b.dtype === 'bool') return Uint8Array.from(new Uint32Array(words));
        return b.dtype === 'float32' ? new Float32Array(words) : new Int32Array(words);
      } finally {
        staging.destroy();
      }
    },
    realize() {},
    release: free,
    memoryStats: () => ({ ...pool.stats(), pipelines: run.pipelines.size }),

    copy: (x, d) => ew.copy(x, out('copy', d)),
    assign: ew.assign,
    unary: (op, x, d) => ew.unary(op, x, out(op, d)),
    unaryInPlace: ew.unaryInPlace,
    binary: (op, a, b, d) => ew.binary(op, a, b, out(op, d)),
    binaryInPlace: ew.binaryInPlace,
    addcInPlace: ew.addcInPlace,
    where: (c, a, b, d) => ew.where(c, a, b, out('where', d)),
    reduce: (op, x, axes, d) => red.reduce(op, x, axes, out(op, d)),
    argReduce: red.argReduce,
    matmul: (a, b, d) => {
      // The kernel walks one batch stride: operands with more batch dims are copied contiguous first.
      if (a.shape.length === 3) return matmul(a, b, out('matmul', d));
      const [ca, cb] = [batched(a), batched(b)];
      const product = matmul(ca, cb, out('matmul', d));
      free([ca.buffer, cb.buffer]);
      return product;
    },
    gather: (x, dim, index, d) => idx.gather(x, dim, index, out('gather', d)),
    scatterAdd: (x, dim, index, src, d) => idx.scatterAdd(x, dim, index, src, out('scatterAdd', d)),
    im2col: (x, g, d) => im.im2col(x, g, out('im2col', d)),
    col2im: (x, g, d) => im.col2im(x, g, out('col2im', d)),
    conv2d: (x, w, b, g: ConvGeometry, groups, d) => conv.conv2d(x, w, b, g, groups, out('conv2d', d)),
    conv2dInput: (x, w, g, groups, d) => conv.conv2dInput(x, w, g, groups, out('conv2dInput', d)),
    conv2dWeight: (x, w, g, groups, d) => conv.conv2dWeight(x, w, g, groups, out('conv2dWeight', d)),
    maxPoolIndices,
    fold: (x, dim, size, step, dilation, length, d) => fold(x, dim, size, step, dilation, length, out('fold', d)),
  };
}

