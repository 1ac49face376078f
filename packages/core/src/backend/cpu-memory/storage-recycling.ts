import type { DType, TypedArray } from '../../dtype.js';
import type { Storage } from '../../tensor/storage.js';
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
}

const MIB = 1 << 20;
let limits: StoragePoolLimits = { maxBytes: 64 * MIB, maxPerSize: 16, minBytes: 16384 };
let pool = new StoragePool(limits);
let maxPending = 64 * MIB;
// Collector-driven recycling is off by default: see docs/performance.md for
// when it pays and what it costs. Storage the engine knows is dead (see
// `AllocationScope`) is pooled either way.
let enabled = false;

// Bytes of storage registered with the collector whose callback has not run yet.
let pending = 0;
// Arrays the allocator made and nobody has wrapped in a Storage yet: only these
// may be recycled, since nothing outside tapegrad can hold a reference to them.
const unclaimed = new WeakSet<TypedArray>();

/**
 * The large storage made while a scope is open: the backward pass opens one
 * so that it can hand the gradients and temporaries it made, once it knows
 * nobody can reach them, straight back to the pool, with no help from the
 * collector and so also inside a loop that never yields.
 *
 * @example
 * ```ts
 * const scope = openAllocationScope();
 * try {
 *   // ... make tensors ...
 * } finally {
 *   closeAllocationScope(scope);
 * }
 * ```
 */
export interface AllocationScope {
  /** Called with every Storage over an array the allocator made for it. */
  readonly onCreate: (storage: Storage) => void;
  /** Called with the Storage of every tensor handed to user code: it may be kept. */
  readonly onEscape: (storage: Storage) => void;
}

let scope: AllocationScope | null = null;

/**
 * Makes `s` the scope that sees new storage, until {@link closeAllocationScope}.
 *
 * @example
 * ```ts
 * const previous = openAllocationScope({ onCreate: (st) => made.add(st), onEscape: (st) => kept.add(st) });
 * ```
 */
export function openAllocationScope(s: AllocationScope): AllocationScope | null {
  const previous = scope;
  scope = s;
  return previous;
}

/**
 * Restores the scope that was open before {@link openAllocationScope}.
 *
 * @example
 * ```ts
 * closeAllocationScope(previous);
 * ```
 */
export function closeAllocationScope(previous: AllocationScope | null): void {
  scope = previous;
}

/**
 * Whether a backward pass's allocation scope is open: its own derivative
 * rules are running, not user code (hooks and custom ops' backward run with
 * no scope, and so does a backward that records itself).
 *
 * @example
 * ```ts
 * const ownRule = allocationScopeOpen(); // false in a hook
 * ```
 */
export function allocationScopeOpen(): boolean {
  return scope !== null;
}

/**
 * Runs user code (a hook, a custom op's backward) that is given the tensors
 * `seen`: both those and whatever `f` makes may be kept by it, so the open
 * scope is told they escape, and `f` runs with no scope open.
 *
 * @example
 * ```ts
 * const g2 = outsideAllocationScope([g], () => hook(g));
 * ```
 */
export function outsideAllocationScope<T>(seen: readonly { readonly storage: Storage }[], f: () => T): T {
  const previous = scope;
  if (previous !== null) for (const t of seen) previous.onEscape(t.storage);
  scope = null;
  try {
    return f();
  } finally {
    scope = previous;
  }
}

/**
 * Hands the array of a Storage nobody can reach any more to the pool at
 * once. Only for Storage an {@link AllocationScope} saw being made, and only
 * once its owner knows that no tensor over it will be read again.
 *
 * @example
 * ```ts
 * releaseStorage(deadStorage);
 * ```
 */
export function releaseStorage(storage: Storage): void {
  if (!storage.isComputed) {
    storage.abandon();
    return;
  }
  if (registry !== null && registry.unregister(storage)) pending -= storage.data.byteLength;
  // A deferred result still to be computed from this array: the collector will free it.
  if (!hasDeferredReaders(storage.data)) pool.release(storage.data);
}

// The held value is the array itself; the Storage is the target, and is the
// only holder of the array, so when it is collected the array is unreachable
// except through this callback. The registry and the pool are read at call
// time, so reconfiguring replaces where released arrays go.
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<TypedArray>((array) => {
        pending -= array.byteLength;
        // Deferred results hold the arrays they read, not their Storage.
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
  if (array.byteLength >= limits.minBytes) unclaimed.add(array);
}

/**
 * Asks the collector to hand `array` to the pool once `storage` is
 * unreachable, if the allocator made the array, no other Storage has claimed
 * it, and the pending budget allows. `notifyScope` is false when a deferred
 * Storage computes its array: the open scope (if any) saw the Storage when
 * it was made, and one opened since did not make it.
 *
 * @example
 * ```ts
 * watchStorage(storage, storage.data);
 * ```
 */
export function watchStorage(storage: Storage, array: TypedArray, notifyScope = true): void {
  if (!unclaimed.delete(array)) return;
  if (notifyScope) scope?.onCreate(storage);
  if (registry === null || !enabled || pending + array.byteLength > maxPending) return;
  pending += array.byteLength;
  // The Storage is also the unregister token, for `releaseStorage`.
  registry.register(storage, array, storage);
}

// How many deferred results (not computed yet) read each array. Keyed by the
// array, not its Storage: an in-place write gives the Storage a copy to write
// into instead of computing its readers (copy-on-write), and the readers keep
// the array they were made from. A reader that dies uncomputed never gives its
// count back; its array is then left to the collector rather than pooled.
const readers = new WeakMap<TypedArray, number>();

/**
 * Counts a deferred result that will read `array`.
 *
 * @example
 * ```ts
 * addDeferredReader(x.storage.data);
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
 * dropDeferredReader(x.storage.data);
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
 * hasDeferredReaders(x.storage.data);
 * ```
 */
export function hasDeferredReaders(array: TypedArray): boolean {
  return readers.has(array);
}

/**
 * After copy-on-write gave `storage` the array `replacement` in place of
 * `previous` (which deferred results still read): the collector now watches
 * the new array, and the old one is never pooled.
 *
 * @example
 * ```ts
 * rewatchStorage(storage, old, copy);
 * ```
 */
export function rewatchStorage(storage: Storage, previous: TypedArray, replacement: TypedArray): void {
  if (registry !== null && registry.unregister(storage)) pending -= previous.byteLength;
  watchStorage(storage, replacement, false);
}

/**
 * Tells the open allocation scope about a deferred Storage (one whose array
 * is computed on first read) as it is made, as it would be told about a
 * computed one of the same size: the scope then counts its holders from the
 * start and may release it, which forgets its expression if it never ran.
 *
 * @example
 * ```ts
 * watchDeferredStorage(storage);
 * ```
 */
export function watchDeferredStorage(storage: Storage): void {
  if (storage.length * 4 >= limits.minBytes) scope?.onCreate(storage);
}

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
  if (options.recycleCollected !== undefined) enabled = options.recycleCollected && registry !== null;
  if (options.maxPendingBytes !== undefined) maxPending = options.maxPendingBytes;
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
