import type { Fusion, FusedExpr } from '../backend/backend.js';
import { allocateUninit, dtypeOfArray, type TypedArray } from '../dtype.js';
import { TapegradError } from '../errors.js';
import {
  addDeferredReader,
  dropDeferredReader,
  hasDeferredReaders,
  rewatchStorage,
  watchDeferredStorage,
  watchStorage,
} from '../backend/cpu-memory/storage-recycling.js';

/**
 * The float32 elements of a Storage that are not computed yet: an expression
 * over other storages' arrays (`leaves`), computed by `fusion` the first time
 * anyone reads the storage (see `fusion.ts`).
 *
 * @example
 * ```ts
 * const d: DeferredElements = { expr, nodes: 3, leaves: [x.storage.data], fusion, length: 4096 };
 * ```
 */
export interface DeferredElements {
  readonly expr: FusedExpr;
  /** Nodes in `expr`, counting shared subtrees each time they appear. */
  readonly nodes: number;
  /** The distinct arrays `expr` reads. */
  readonly leaves: readonly TypedArray[];
  readonly fusion: Fusion;
  readonly length: number;
}

/**
 * The memory a tensor and all its views share, with a version counter that
 * every in-place write bumps (so that backward can tell a saved value changed).
 * Views share this object, never its array: when the last tensor over it is
 * collected, a large array the allocator made goes back to the storage pool,
 * so nothing may keep `data` (or a subarray of it) past the Storage's life.
 *
 * A Storage may also be deferred: it holds an elementwise expression and
 * computes its array on the first read of `data`. Until then the expression
 * holds the arrays it reads (never their Storage, so a deferred result that
 * is dropped uncomputed is simply collected). Before anything writes in place
 * into a Storage whose array a deferred result may still read,
 * {@link Storage.prepareWrite} gives it a copy to write into, and the readers
 * keep the values they were made from.
 *
 * @example
 * ```ts
 * const s = new Storage(allocate('float32', 4));
 * ```
 */
export class Storage {
  version = 0;
  /** Elements in the array (computed or not). */
  readonly length: number;
  private array: TypedArray | null;
  private deferredElements: DeferredElements | null;

  constructor(source: TypedArray | DeferredElements) {
    if (ArrayBuffer.isView(source)) {
      this.array = source;
      this.deferredElements = null;
      this.length = source.length;
      watchStorage(this, source);
    } else {
      this.array = null;
      this.deferredElements = source;
      this.length = source.length;
      for (const leaf of source.leaves) addDeferredReader(leaf);
      watchDeferredStorage(this);
    }
  }

  /** The elements, computed now if the storage was deferred. */
  get data(): TypedArray {
    return this.array ?? this.compute();
  }

  /** Whether the array exists (false while deferred, and after {@link Storage.abandon}). */
  get isComputed(): boolean {
    return this.array !== null;
  }

  /** The expression of a storage not computed yet, or null. */
  get deferred(): DeferredElements | null {
    return this.deferredElements;
  }

  /**
   * Call before writing into the array in place: when a deferred result may
   * still read it, the Storage moves to a copy (copy-on-write), which is
   * cheaper than computing every reader, live or dead.
   */
  prepareWrite(): void {
    const a = this.array;
    if (a === null || !hasDeferredReaders(a)) return;
    const copy = allocateUninit(dtypeOfArray(a), a.length);
    copy.set(a);
    this.array = copy;
    rewatchStorage(this, a, copy);
  }

  /**
   * Forgets the expression of a deferred storage that nobody can read any more
   * (the backward pass knows when), so that the arrays it read can be
   * recycled. Reading it afterwards throws.
   */
  abandon(): void {
    const d = this.deferredElements;
    if (d === null) return;
    this.deferredElements = null;
    for (const leaf of d.leaves) dropDeferredReader(leaf);
  }

  private compute(): TypedArray {
    const d = this.deferredElements;
    if (d === null) throw new TapegradError('internal: a tensor was read after the backward pass released its storage');
    const a = d.fusion.evaluate(d.expr, this.length);
    this.array = a;
    this.deferredElements = null;
    for (const leaf of d.leaves) dropDeferredReader(leaf);
    watchStorage(this, a, false);
    return a;
  }
}
