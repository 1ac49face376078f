import type { DType, TypedArray } from './dtype.js';
import { StoragePool, type StoragePoolLimits } from './storage-pool.js';

/**
 * How storage recycling behaves; every field is optional in
 * {@link configureStoragePool}.
 *
 * @example
 * ```ts
 * const o: StoragePoolOptions = { enabled: true, maxBytes: 64 << 20, maxPendingBytes: 64 << 20 };
 * ```
 */
export interface StoragePoolOptions {
  /** Whether new storage is recycled at all (off by default; needs `FinalizationRegistry`). */
  readonly enabled?: boolean;
  /** Bytes of dead buffers kept for reuse (64 MiB by default). */
  readonly maxBytes?: number;
  /**
   * Bytes of watched storage (alive, or dead and waiting for the collector's
   * callback) beyond which new storage is left unwatched (64 MiB by default).
   * This bounds the memory a loop that never yields can hold on to.
   */
  readonly maxPendingBytes?: number;
}

const MIB = 1 << 20;
let limits: StoragePoolLimits = { maxBytes: 64 * MIB, maxPerSize: 16, minBytes: 16384 };
let pool = new StoragePool(limits);
let maxPending = 64 * MIB;
// Off by default: see docs/performance.md for when recycling pays and what it costs.
let enabled = false;

// Bytes of storage registered with the collector whose callback has not run yet.
let pending = 0;
// Arrays the allocator made and nobody has wrapped in a Storage yet: only these
// may be recycled, since nothing outside tapegrad can hold a reference to them.
const unclaimed = new WeakSet<TypedArray>();

// The held value is the array itself; the Storage is the target, and is the
// only holder of the array, so when it is collected the array is unreachable
// except through this callback. The registry and the pool are read at call
// time, so reconfiguring replaces where released arrays go.
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<TypedArray>((array) => {
        pending -= array.byteLength;
        if (enabled) pool.release(array);
      })
    : null;

/**
 * A pooled array of `n` elements of `dtype`, its contents left by its last
 * owner; `undefined` when none is pooled. The caller must write every element
 * (or zero it) before anyone reads it.
 *
 * @example
 * ```ts
 * const out = recycledArray('float32', 1 << 20) ?? new Float32Array(1 << 20);
 * ```
 */
export function recycledArray(dtype: DType, n: number): TypedArray | undefined {
  if (!enabled) return undefined;
  const a = pool.take(dtype, n);
  if (a !== undefined) unclaimed.add(a);
  return a;
}

/**
 * Marks an array the allocator just made as recyclable once the Storage that
 * will wrap it dies.
 *
 * @example
 * ```ts
 * const a = new Float32Array(1 << 20);
 * markRecyclable(a);
 * ```
 */
export function markRecyclable(array: TypedArray): void {
  if (enabled && array.byteLength >= limits.minBytes) unclaimed.add(array);
}

/**
 * Asks the collector to hand `array` to the pool once `storage` is
 * unreachable, if the allocator made the array, no other Storage has claimed
 * it, and the pending budget allows.
 *
 * @example
 * ```ts
 * watchStorage(storage, storage.data);
 * ```
 */
export function watchStorage(storage: object, array: TypedArray): void {
  if (registry === null || !unclaimed.delete(array)) return;
  if (!enabled || pending + array.byteLength > maxPending) return;
  pending += array.byteLength;
  registry.register(storage, array);
}

/**
 * Tunes or turns off the recycling of tensor storage. Large result arrays
 * (16 KiB and up) come from a pool of dead ones when it has one of the same
 * byte size; the garbage collector refills the pool between tasks (after an
 * `await`, a timer or an animation frame), never inside a synchronous loop.
 * Nothing to dispose either way.
 *
 * @example
 * ```ts
 * configureStoragePool({ maxBytes: 256 << 20 }); // keep more for big models
 * configureStoragePool({ enabled: false }); // every result a fresh array
 * ```
 */
export function configureStoragePool(options: StoragePoolOptions): void {
  if (options.enabled !== undefined) enabled = options.enabled && registry !== null;
  if (options.maxPendingBytes !== undefined) maxPending = options.maxPendingBytes;
  if (options.maxBytes !== undefined) {
    limits = { ...limits, maxBytes: options.maxBytes };
    pool = new StoragePool(limits);
  }
  if (!enabled) pool.clear();
}

/**
 * What the storage pool holds now, and how many bytes of watched storage
 * wait for the collector.
 *
 * @example
 * ```ts
 * storagePoolStats(); // { bytes: 0, buffers: 0, pendingBytes: 4194304 }
 * ```
 */
export function storagePoolStats(): { bytes: number; buffers: number; pendingBytes: number } {
  return { bytes: pool.bytes, buffers: pool.size, pendingBytes: pending };
}
