import { DTypeError } from '../../errors.js';
import type { DType } from '../../dtype.js';
import type { GpuBufferHandle } from './gpu-types.js';

/** The dtypes a GPU buffer holds; float64 stays on the CPU (WGSL has no f64). */
export type GpuDType = Exclude<DType, 'float64'>;

/**
 * A tensor's memory on the GPU: a pooled storage buffer with its dtype and
 * length in elements. Every element takes 4 bytes: float32 as `f32`, int32 as
 * `i32`, bool as `u32` holding 0 or 1 (WGSL has no 8-bit storage type).
 *
 * @example
 * ```ts
 * const b = backend.upload(new Float32Array([1, 2])); // a GpuBuffer of 2 float32
 * ```
 */
export class GpuBuffer {
  /** Set once the buffer went back to the pool: using it afterwards is a bug. */
  released = false;

  constructor(
    readonly handle: GpuBufferHandle,
    readonly dtype: GpuDType,
    readonly length: number,
    /**
     * The buffer's weight for the garbage collector (`gc-weight.ts`): held
     * here so that it dies with this object, and handed back with the
     * buffer when it is released before that.
     */
    public weight: ArrayBuffer | null = null,
  ) {}
}

/** Refuses float64, naming the op. */
export function gpuDtype(op: string, dtype: DType): GpuDType {
  if (dtype === 'float64') {
    throw new DTypeError(`${op}: float64 is not supported on the webgpu backend (WGSL has no f64); float64 stays on the CPU: convert with .float() or compute on a CPU backend`);
  }
  return dtype;
}
