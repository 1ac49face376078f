import { ARRAY_TYPES, type DType, type TypedArray } from '../../dtype.js';

/**
 * Limits of a {@link StoragePool}.
 *
 * @example
 * ```ts
 * const limits: StoragePoolLimits = { maxBytes: 64 << 20, maxPerSize: 16, minBytes: 16384 };
 * ```
 */
export interface StoragePoolLimits {
  /** Total bytes the pool may hold; the oldest buffers are dropped beyond it. */
  readonly maxBytes: number;
  /** Buffers of one byte size the pool may hold. */
  readonly maxPerSize: number;
  /** Smaller arrays are not pooled: allocating them costs no page faults worth saving. */
  readonly minBytes: number;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * Byte size of `n` elements of `dtype`.
 *
 * @example
 * ```ts
 * byteSize('float64', 3); // 24
 * ```
 */
export function byteSize(dtype: DType, n: number): number {
  return n * BYTES[dtype];
}

/**
 * Dead storage buffers waiting to be reused, keyed by exact byte size. Reusing
 * memory already in use avoids the page faults a fresh array costs on its
 * first write (several milliseconds for a few megabytes on some machines).
 * The pool is bounded in bytes and per size, and drops its oldest buffers
 * first, so it never holds more than a few steps' worth of temporaries.
 *
 * It knows nothing of how buffers die: `release` is called for it (by the
 * garbage collector's finalization callback on `Storage`, or directly in tests).
 *
 * @example
 * ```ts
 * const pool = new StoragePool({ maxBytes: 1 << 20, maxPerSize: 4, minBytes: 1024 });
 * pool.release(new Float32Array(4096));
 * pool.take('float32', 4096); // the same memory, contents as left
 * pool.take('float32', 4096); // undefined: the pool is empty
 * ```
 */
export class StoragePool {
  // Oldest first. A few dozen entries at most, so linear scans are cheaper than maps.
  private readonly buffers: ArrayBuffer[] = [];
  private held = 0;

  constructor(readonly limits: StoragePoolLimits) {}

  /** Bytes currently held. */
  get bytes(): number {
    return this.held;
  }

  /** Buffers currently held. */
  get size(): number {
    return this.buffers.length;
  }

  /**
   * A `dtype` array of `n` elements over a pooled buffer of that byte size,
   * removed from the pool; its contents are whatever its last owner left.
   * `undefined` when the pool has none (or the size is too small to pool).
   */
  take(dtype: DType, n: number): TypedArray | undefined {
    const bytes = byteSize(dtype, n);
    if (bytes < this.limits.minBytes) return undefined;
    // Newest first: it is the most likely to still be in cache.
    for (let i = this.buffers.length - 1; i >= 0; i--) {
      const b = this.buffers[i]!;
      if (b.byteLength === bytes) {
        this.buffers.splice(i, 1);
        this.held -= bytes;
        return new ARRAY_TYPES[dtype](b);
      }
    }
    return undefined;
  }

  /**
   * Gives back an array nobody can see any more. Only whole buffers are
   * pooled (an array over part of a buffer is ignored), a buffer already in
   * the pool is not added twice, and the oldest buffers are dropped to stay
   * within the limits.
   */
  release(array: TypedArray): void {
    const buffer = array.buffer;
    const bytes = array.byteLength;
    if (!(buffer instanceof ArrayBuffer) || array.byteOffset !== 0 || bytes !== buffer.byteLength) return;
    if (bytes < this.limits.minBytes || bytes > this.limits.maxBytes || this.buffers.includes(buffer)) return;
    let sameSize = 0;
    for (const b of this.buffers) if (b.byteLength === bytes) sameSize++;
    if (sameSize >= this.limits.maxPerSize) {
      const i = this.buffers.findIndex((b) => b.byteLength === bytes);
      this.held -= this.buffers[i]!.byteLength;
      this.buffers.splice(i, 1);
    }
    this.buffers.push(buffer);
    this.held += bytes;
    while (this.held > this.limits.maxBytes) this.held -= this.buffers.shift()!.byteLength;
  }

  /** Drops every buffer. */
  clear(): void {
    this.buffers.length = 0;
    this.held = 0;
  }
}
