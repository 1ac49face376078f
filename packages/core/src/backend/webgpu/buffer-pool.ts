import { gcWeight } from './gc-weight.js';
import { USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_STORAGE, type GpuBufferHandle, type GpuDeviceLike } from './gpu-types.js';

/**
 * The bytes a pool holds: in use (handed out and not given back), and kept
 * for reuse.
 *
 * @example
 * ```ts
 * const { liveBytes, pooledBytes } = backend.memoryStats();
 * ```
 */
export interface GpuMemoryStats {
  readonly liveBytes: number;
  readonly pooledBytes: number;
}

const MIN_BYTES = 64;

/** The size class of a request: the next power of two, at least 64 bytes. */
export function sizeClass(bytes: number): number {
  let c = MIN_BYTES;
  while (c < bytes) c *= 2;
  return c;
}

/**
 * A buffer of the pool and its weight for the garbage collector (see
 * `gc-weight.ts`): null when the pool weighs nothing, or when the buffer came
 * back through the collector, whose weight died with the object that held it.
 */
export interface PooledBuffer {
  readonly handle: GpuBufferHandle;
  readonly weight: ArrayBuffer | null;
}

/**
 * GPU storage buffers by size class (powers of two): a buffer given back is
 * kept for the next request of its class, up to `maxPooledBytes` in all;
 * beyond that it is destroyed. Reuse is safe without waiting for the GPU:
 * every later write to a reused buffer is ordered on the queue after the
 * work already submitted that reads it.
 *
 * With `weigh`, every buffer handed out comes with a weight of its size. A
 * buffer given back by its user keeps its weight for the next request; one
 * given back weightless (its weight was collected with its owner) gets a new
 * one. So the engine sees its memory grow by exactly the bytes whose return
 * waits on a collection, and collects when those add up.
 */
export class BufferPool {
  private readonly free = new Map<number, PooledBuffer[]>();
  private live = 0;
  private pooled = 0;

  constructor(
    private readonly device: GpuDeviceLike,
    private readonly weigh = true,
    private readonly maxPooledBytes = 256 * 1024 * 1024,
  ) {}

  acquire(bytes: number): PooledBuffer {
    const size = sizeClass(bytes);
    this.live += size;
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) {
      this.pooled -= size;
      return reused.weight !== null || !this.weigh ? reused : { handle: reused.handle, weight: gcWeight(size) };
    }
    const handle = this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
    return { handle, weight: this.weigh ? gcWeight(size) : null };
  }

  give(handle: GpuBufferHandle, weight: ArrayBuffer | null): void {
    const size = handle.size;
    this.live -= size;
    if (this.pooled + size > this.maxPooledBytes) {
      handle.destroy();
      return;
    }
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push({ handle, weight });
    this.pooled += size;
  }

  stats(): GpuMemoryStats {
    return { liveBytes: this.live, pooledBytes: this.pooled };
  }
}
