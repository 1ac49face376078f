import type { DType, TypedArray } from '../../dtype.js';
import type { CpuBuffer } from './cpu-buffer.js';
import { OptionError } from '../../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../../options.js';
import { setMallocPriming } from './malloc-thresholds.js';
import { StoragePool, type StoragePoolLimits } from './storage-pool.js';

/**
 * How storage recycling behaves; every field is optional in
 * {@link configureStoragePool}.
 *
 * @example
 * ```ts
 * const o: StoragePoolOptions = { recycleCollected: true, maxBytes: 64 << 20, maxPendingBytes: 64 << 20 };
 * ```
 */
export interface StoragePoolOptions {
  /**
   * Whether storage the garbage collector finds dead is recycled too, not only
   * what backward knows is dead (off by default; needs `FinalizationRegistry`).
   */
  readonly recycleCollected?: boolean;
  /** Bytes of dead buffers kept for reuse (64 MiB by default; 0 turns all recycling off). */
  readonly maxBytes?: number;
  /**
   * Bytes of watched storage (alive, or dead and waiting for the collector's
   * callback) beyond which new storage is left unwatched (64 MiB by default).
   * This bounds the memory a loop that never yields can hold on to.
   */
  readonly maxPendingBytes?: number;
  /**
   * Whether the first large array primes glibc's malloc thresholds so that
   * freed arrays stay mapped and the next step reuses their pages (on by
   * default; see "Recycling storage" in docs/cpu-backend.md). Off, each large fresh array may
   * fault its pages in again.
   */
  readonly primeMalloc?: boolean;
}

const MIB = 1 << 20;
let limits: StoragePoolLimits = { maxBytes: 64 * MIB, maxPerSize: 16, minBytes: 16384 };
let pool = new StoragePool(limits);
let maxPending = 64 * MIB;
// Collector-driven recycling is off by default: see docs/cpu-backend.md for
// when it pays and what it costs. Buffers the engine knows are dead
// (`releaseBuffers`) are pooled either way.
let enabled = false;

// Bytes of storage registered with the collector whose callback has not run yet.
let pending = 0;
// Arrays the allocator made and nobody has wrapped in a buffer yet: only these
// may be recycled, since nothing outside tapegrad can hold a reference to them.
const unclaimed = new WeakSet<TypedArray>();

/**
 * Hands the arrays of buffers nobody can reach any more to the pool at
 * once: the engine knows they are dead (a backward pass's temporaries). The
 * deferred ones go first: forgetting their expressions frees the arrays they
 * read, which may then be pooled in turn. Arrays that were handed out, or
 * that a deferred result may still read, are left to the collector.
 *
 * @example
 * ```ts
 * releaseBuffers([deadBuffer]);
 * ```
 */
export function releaseBuffers(buffers: readonly CpuBuffer[]): void {
  for (const b of buffers) if (!b.isComputed) b.abandon();
  for (const b of buffers) {
    if (!b.isComputed) continue;
    const array = b.data;
    if (registry?.unregister(b)) pending -= array.byteLength;
    if (!b.exposed && !hasDeferredReaders(array)) pool.release(array);
  }
}

/**
 * Stops the collector from recycling a buffer's array: it was handed out
 * (read), and whoever holds it may outlive the buffer.
 *
 * @example
 * ```ts
 * exposeBuffer(buffer);
 * ```
 */
export function exposeBuffer(buffer: CpuBuffer): void {
  if (buffer.exposed) return;
  buffer.exposed = true;
  if (buffer.isComputed && registry?.unregister(buffer)) pending -= buffer.data.byteLength;
}

// The held value is the array itself; the buffer is the target, and is the
// only holder of the array, so when it is collected the array is unreachable
// except through this callback. The registry and the pool are read at call
// time, so reconfiguring replaces where released arrays go.
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<TypedArray>((array) => {
        pending -= array.byteLength;
        // Deferred results hold the arrays they read, not their buffers.
        if (enabled && !hasDeferredReaders(array)) pool.release(array);
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
  if (pool.size === 0) return undefined;
  const a = pool.take(dtype, n);
  if (a !== undefined) unclaimed.add(a);
  return a;
}

/**
 * Marks an array the allocator just made as recyclable once the buffer that
 * will wrap it dies.
 *
 * @example
 * ```ts
 * const a = new Float32Array(1 << 20);
 * markRecyclable(a);
 * ```
 */
export function markRecyclable(array: TypedArray): void {
  if (array.byteLength >= limits.minBytes) unclaimed.add(array);
}

/**
 * Asks the collector to hand `array` to the pool once `buffer` is
 * unreachable, if the allocator made the array, no other buffer has claimed
 * it, and the pending budget allows.
 *
 * @example
 * ```ts
 * watchBuffer(buffer, buffer.data);
 * ```
 */
export function watchBuffer(buffer: CpuBuffer, array: TypedArray): void {
  if (!unclaimed.delete(array)) return;
  if (registry === null || !enabled || pending + array.byteLength > maxPending) return;
  pending += array.byteLength;
  // The buffer is also the unregister token, for `releaseBuffers`.
  registry.register(buffer, array, buffer);
}

// How many deferred results (not computed yet) read each array. Keyed by the
// array, not its buffer: an in-place write gives the buffer a copy to write
// into instead of computing its readers (copy-on-write), and the readers keep
// the array they were made from. A reader that dies uncomputed never gives its
// count back; its array is then left to the collector rather than pooled.
const readers = new WeakMap<TypedArray, number>();

/**
 * Counts a deferred result that will read `array`.
 *
 * @example
 * ```ts
 * addDeferredReader(x.data);
 * ```
 */
export function addDeferredReader(array: TypedArray): void {
  readers.set(array, (readers.get(array) ?? 0) + 1);
}

/**
 * A deferred result that read `array` was computed or abandoned.
 *
 * @example
 * ```ts
 * dropDeferredReader(x.data);
 * ```
 */
export function dropDeferredReader(array: TypedArray): void {
  const n = readers.get(array);
  if (n === undefined) return;
  if (n <= 1) readers.delete(array);
  else readers.set(array, n - 1);
}

/**
 * Whether some deferred result may still read `array`: it must then be
 * neither written in place nor recycled.
 *
 * @example
 * ```ts
 * hasDeferredReaders(x.data);
 * ```
 */
export function hasDeferredReaders(array: TypedArray): boolean {
  return readers.has(array);
}

/**
 * After copy-on-write gave `buffer` the array `replacement` in place of
 * `previous` (which deferred results still read): the collector now watches
 * the new array, and the old one is never pooled.
 *
 * @example
 * ```ts
 * rewatchBuffer(buffer, old, copy);
 * ```
 */
export function rewatchBuffer(buffer: CpuBuffer, previous: TypedArray, replacement: TypedArray): void {
  if (registry?.unregister(buffer)) pending -= previous.byteLength;
  watchBuffer(buffer, replacement);
}

const poolOptionRules: OptionRules = {
  recycleCollected: optionRules.boolean,
  maxBytes: optionRules.nonNegative,
  maxPendingBytes: optionRules.nonNegative,
  primeMalloc: optionRules.boolean,
};

/**
 * Tunes or turns off the recycling of tensor storage. Large result arrays
 * (16 KiB and up) come from a pool of dead ones when it has one of the same
 * byte size. Backward refills the pool as it goes with the gradients and
 * temporaries it made and nobody can reach; with `recycleCollected`, the
 * garbage collector refills it too, between tasks (after an `await`, a timer
 * or an animation frame), never inside a synchronous loop. Nothing to dispose
 * either way.
 *
 * @example
 * ```ts
 * configureStoragePool({ maxBytes: 256 << 20 }); // keep more for big models
 * configureStoragePool({ recycleCollected: true }); // for loops that yield
 * configureStoragePool({ maxBytes: 0 }); // every result a fresh array
 * ```
 */
export function configureStoragePool(options: StoragePoolOptions): void {
  if (options === undefined) throw new OptionError('configureStoragePool: expected an options object { recycleCollected?, maxBytes?, maxPendingBytes?, primeMalloc? }, got undefined');
  checkOptions('configureStoragePool', options, poolOptionRules);
  if (options.recycleCollected !== undefined) enabled = options.recycleCollected && registry !== null;
  if (options.maxPendingBytes !== undefined) maxPending = options.maxPendingBytes;
  if (options.primeMalloc !== undefined) setMallocPriming(options.primeMalloc);
  if (options.maxBytes !== undefined) {
    limits = { ...limits, maxBytes: options.maxBytes };
    pool = new StoragePool(limits);
  }
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
