import { dtypeOfArray, type DType, type TypedArray } from '../../dtype.js';
import { TapegradError } from '../../errors.js';
import { allocateUninit } from './allocate.js';
import type { Fusion, FusedExpr } from './fusion.js';
import { addDeferredReader, dropDeferredReader, hasDeferredReaders, rewatchBuffer, watchBuffer } from './storage-recycling.js';

/**
 * The float32 elements of a buffer that are not computed yet: an expression
 * over other buffers' arrays (`leaves`), computed by `fusion` the first time
 * anyone reads the buffer (see `deferral.ts`).
 *
 * @example
 * ```ts
 * const d: DeferredElements = { expr, nodes: 3, slots: 2, leaves: [x.data], fusion, length: 4096 };
 * ```
 */
export interface DeferredElements {
  readonly expr: FusedExpr;
  /** Nodes in `expr`, counting shared subtrees each time they appear. */
  readonly nodes: number;
  /** Intermediate blocks evaluating `expr` holds at once (see `slotsNeeded`). */
  readonly slots: number;
  /** The distinct arrays `expr` reads. */
  readonly leaves: readonly TypedArray[];
  readonly fusion: Fusion;
  readonly length: number;
}

/**
 * A CPU backend's buffer: a typed array, or an elementwise expression that
 * computes one on first read. A tensor and all its views share one buffer
 * (through their storage), never its array: when the last tensor over it is
 * collected, an array the allocator made may go back to the storage pool, so
 * nothing may keep the array past the buffer's life.
 *
 * Until a deferred buffer is computed, its expression holds the arrays it
 * reads (never their buffers, so a deferred result dropped uncomputed is
 * simply collected). Before anything writes in place into a buffer whose
 * array a deferred result may still read, {@link CpuBuffer.prepareWrite}
 * gives it a copy to write into, and the readers keep the values they were
 * made from (copy-on-write).
 *
 * @example
 * ```ts
 * const b = new CpuBuffer(new Float32Array(4));
 * b.data; // Float32Array [0, 0, 0, 0]
 * ```
 */
export class CpuBuffer {
  /** Elements in the array (computed or not). */
  readonly length: number;
  /** Whether the array was handed out (`read`): it is then never recycled. */
  exposed = false;
  private array: TypedArray | null;
  private deferredElements: DeferredElements | null;

  constructor(source: TypedArray | DeferredElements) {
    if (ArrayBuffer.isView(source)) {
      this.array = source;
      this.deferredElements = null;
      this.length = source.length;
      watchBuffer(this, source);
    } else {
      this.array = null;
      this.deferredElements = source;
      this.length = source.length;
      for (const leaf of source.leaves) addDeferredReader(leaf);
    }
  }

  /** The elements, computed now if the buffer was deferred. */
  get data(): TypedArray {
    return this.array ?? this.compute();
  }

  /** The element type: deferred buffers are float32. */
  get dtype(): DType {
    return this.array === null ? 'float32' : dtypeOfArray(this.array);
  }

  /** Whether the array exists (false while deferred, and after {@link CpuBuffer.abandon}). */
  get isComputed(): boolean {
    return this.array !== null;
  }

  /** The expression of a buffer not computed yet, or null. */
  get deferred(): DeferredElements | null {
    return this.deferredElements;
  }

  /**
   * Call before writing into the array in place: when a deferred result may
   * still read it, the buffer moves to a copy (copy-on-write), which is
   * cheaper than computing every reader, live or dead.
   */
  prepareWrite(): void {
    const a = this.data;
    if (!hasDeferredReaders(a)) return;
    const copy = allocateUninit(dtypeOfArray(a), a.length);
    copy.set(a);
    this.array = copy;
    rewatchBuffer(this, a, copy);
  }

  /**
   * Forgets the expression of a deferred buffer that nobody can read any more
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
    watchBuffer(this, a);
    return a;
  }
}
