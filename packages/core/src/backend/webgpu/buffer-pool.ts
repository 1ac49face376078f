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
 * GPU storage buffers by size class (powers of two): a buffer given back is
 * kept for the next request of its class, up to `maxPooledBytes` in all;
 * beyond that it is destroyed. Reuse is safe without waiting for the GPU:
 * every later write to a reused buffer is ordered on the queue after the
 * work already submitted that reads it.
 */
export class BufferPool {
  private readonly free = new Map<number, GpuBufferHandle[]>();
  private live = 0;
  private pooled = 0;

  constructor(
    private readonly device: GpuDeviceLike,
    private readonly maxPooledBytes = 256 * 1024 * 1024,
  ) {}

  acquire(bytes: number): GpuBufferHandle {
    const size = sizeClass(bytes);
    this.live += size;
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.pooled -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
  }

  give(handle: GpuBufferHandle): void {
    const size = handle.size;
    this.live -= size;
    if (this.pooled + size > this.maxPooledBytes) {
      handle.destroy();
      return;
    }
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(handle);
    this.pooled += size;
  }

  stats(): GpuMemoryStats {
    return { liveBytes: this.live, pooledBytes: this.pooled };
  }
}
