import type { Storage } from '../tensor/storage.js';
import { closeAllocationScope, openAllocationScope, releaseStorage, type AllocationScope } from '../backend/cpu-memory/storage-recycling.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What one backward pass knows about the storage it makes. Gradients and the
 * temporaries of derivative rules are made inside the pass and, unless they
 * end up in a `.grad` or reach user code, die inside it. The pass tells this
 * tracker where its gradients are (`hold`/`drop` for the slots that wait to
 * be consumed, `escape` for whatever leaves it), and after each node
 * `sweep` hands every storage the pass made and no slot holds back to the
 * pool, with no help from the garbage collector. The next kernel of the same
 * size reuses memory already mapped instead of faulting in fresh pages.
 *
 * Only storage made while the tracker is open is ever released, and only
 * when nothing the pass handed out can reach it: anything given to user code
 * (hooks, custom ops' backward) escapes, and what such code makes is never
 * tracked (it runs outside the allocation scope).
 *
 * @example
 * ```ts
 * const memory = new BackwardMemory();
 * try {
 *   // ... walk the graph, calling hold/drop/escape and sweep ...
 *   memory.close(true);
 * } catch (e) {
 *   memory.close(false);
 *   throw e;
 * }
 * ```
 */
export class BackwardMemory {
  // Storage made in this pass and not released yet, with the number of
  // gradient slots (pending or leaf) that hold a tensor over it.
  private readonly made = new Map<Storage, number>();
  private readonly escaped = new Set<Storage>();
  private readonly previous: AllocationScope | null;

  constructor() {
    this.previous = openAllocationScope({ onCreate: (s) => this.made.set(s, 0), onEscape: (s) => this.escaped.add(s) });
  }

  /** A gradient slot now holds `t`. */
  hold(t: Tensor): void {
    const n = this.made.get(t.storage);
    if (n !== undefined) this.made.set(t.storage, n + 1);
  }

  /** A gradient slot no longer holds `t`. */
  drop(t: Tensor): void {
    const n = this.made.get(t.storage);
    if (n !== undefined) this.made.set(t.storage, n - 1);
  }

  /** `t` leaves the pass (a `.grad`, a captured result, a hook's argument): never release it. */
  escape(t: Tensor): void {
    this.escaped.add(t.storage);
  }

  /**
   * Whether `t` may become a leaf's `.grad` as it is: the pass made its
   * storage, `t` covers all of it contiguously, and the one slot being
   * emptied is the only holder (PyTorch's accumulation steals such a
   * gradient the same way instead of copying it).
   */
  canSteal(t: Tensor): boolean {
    return this.made.get(t.storage) === 1 && !this.escaped.has(t.storage) && t.isContiguous() && t.offset === 0 && t.numel === t.storage.length;
  }

  /** Releases every storage made in the pass that no slot holds and nothing took. */
  sweep(): void {
    if (this.made.size === 0) return; // small tensors are never tracked
    const dead: Storage[] = [];
    for (const [s, n] of this.made) {
      if (n > 0) continue;
      this.made.delete(s);
      if (!this.escaped.has(s)) dead.push(s);
    }
    releaseAll(dead);
  }

  /**
   * Stops tracking. After a finished pass every slot is empty, so whatever
   * did not escape is released; after a failed one nothing is, since the
   * slots' contents may still be reachable from where the error was thrown.
   */
  close(finished: boolean): void {
    closeAllocationScope(this.previous);
    if (finished) releaseAll([...this.made.keys()].filter((s) => !this.escaped.has(s)));
    this.made.clear();
  }
}

/**
 * Releases dead storages, the deferred ones first: forgetting their
 * expressions frees the arrays they read, which are then released in turn.
 */
function releaseAll(dead: readonly Storage[]): void {
  const computed = dead.filter((s) => s.isComputed);
  for (const s of dead) if (!s.isComputed) releaseStorage(s);
  for (const s of computed) releaseStorage(s);
}
