import type { TypedArray } from '../../dtype.js';
import type { Backend, View } from '../backend.js';
import { allocate } from './allocate.js';
import { CpuBuffer } from './cpu-buffer.js';
import type { ArrayView, CpuKernels } from './cpu-kernels.js';
import { deferredBinary, deferredSum, deferredUnary, updateFused } from './deferral.js';
import type { Fusion } from './fusion.js';
import { exposeBuffer, releaseBuffers } from './storage-recycling.js';

/** What a kernel reads of a view: the buffer's array, computed now if it was deferred. */
const read = (v: View<CpuBuffer>): ArrayView => ({ data: v.buffer.data, shape: v.shape, strides: v.strides, offset: v.offset });

/** What an in-place kernel writes: the buffer's array, copied first if a deferred result still reads it. */
function write(v: View<CpuBuffer>): ArrayView {
  v.buffer.prepareWrite();
  return read(v);
}

const wrap = (a: TypedArray): CpuBuffer => new CpuBuffer(a);

/**
 * A CPU backend: `kernels` over typed arrays, with the memory of the CPU
 * around them. Buffers are {@link CpuBuffer}s, shared by every CPU backend
 * (so tensors keep working when the backend is switched). Large float32
 * elementwise chains are deferred and run by `fusion` in one pass when read;
 * an in-place kernel first moves its target to a copy if a deferred result
 * still reads it; buffers the engine releases (and, when enabled, those the
 * collector finds) go back to a pool that the kernels allocate from.
 *
 * @example
 * ```ts
 * const be = cpuBackend('js', jsKernels, referenceFusion(jsKernels));
 * ```
 */
export function cpuBackend(name: string, kernels: CpuKernels, fusion: Fusion): Backend<CpuBuffer> {
  return {
    name,
    device: 'cpu',
    alloc: (dtype, n) => wrap(allocate(dtype, n)),
    upload: wrap,
    read(buffer) {
      exposeBuffer(buffer);
      return buffer.data;
    },
    readAsync(buffer) {
      exposeBuffer(buffer);
      return Promise.resolve(buffer.data.slice());
    },
    realize(buffer) {
      void buffer.data;
    },
    release: releaseBuffers,

    copy: (x, outDtype) => wrap(kernels.copy(read(x), outDtype)),
    assign: (dst, src) => kernels.assign(write(dst), read(src)),
    unary: (op, x, outDtype) => deferredUnary(op, x, outDtype, fusion) ?? wrap(kernels.unary(op, read(x), outDtype)),
    unaryInPlace: (op, dst) => kernels.unaryInPlace(op, write(dst)),
    binary: (op, a, b, outDtype) => deferredBinary(op, a, b, outDtype, fusion) ?? wrap(kernels.binary(op, read(a), read(b), outDtype)),
    binaryInPlace(op, dst, src) {
      const d = write(dst);
      if (!updateFused(op, d, src, fusion)) kernels.binaryInPlace(op, d, read(src));
    },
    addcInPlace: (op, dst, a, b, value) => kernels.addcInPlace(op, write(dst), read(a), read(b), value),
    where: (cond, a, b, outDtype) => wrap(kernels.where(read(cond), read(a), read(b), outDtype)),
    reduce(op, x, axes, outDtype) {
      const whole = op === 'sum' && axes.length === x.shape.length ? deferredSum(x) : null;
      if (whole !== null) return wrap(Float32Array.of(whole));
      return wrap(kernels.reduce(op, read(x), axes, outDtype));
    },
    argReduce: (op, x, axis) => wrap(kernels.argReduce(op, read(x), axis)),
    matmul: (a, b, outDtype) => wrap(kernels.matmul(read(a), read(b), outDtype)),
    gather: (x, dim, index, outDtype) => wrap(kernels.gather(read(x), dim, read(index), outDtype)),
    scatterAdd: (x, dim, index, src, outDtype) => wrap(kernels.scatterAdd(read(x), dim, read(index), read(src), outDtype)),
    im2col: (x, geometry, outDtype) => wrap(kernels.im2col(read(x), geometry, outDtype)),
    col2im: (cols, geometry, outDtype) => wrap(kernels.col2im(read(cols), geometry, outDtype)),
    conv2d: (x, w, b, geometry, groups, outDtype) => wrap(kernels.conv2d(read(x), read(w), b === null ? null : read(b), geometry, groups, outDtype)),
    conv2dInput: (g, w, geometry, groups, outDtype) => wrap(kernels.conv2dInput(read(g), read(w), geometry, groups, outDtype)),
    conv2dWeight: (x, g, geometry, groups, outDtype) => wrap(kernels.conv2dWeight(read(x), read(g), geometry, groups, outDtype)),
    maxPoolIndices: (x, geometry) => wrap(kernels.maxPoolIndices(read(x), geometry)),
    fold: (x, dim, size, step, dilation, length, outDtype) => wrap(kernels.fold(read(x), dim, size, step, dilation, length, outDtype)),
  };
}
