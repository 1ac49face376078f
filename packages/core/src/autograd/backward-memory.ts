import type { Backend } from '../backend/backend.js';
import type { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';

/** Results smaller than this are left to the collector: tracking them costs more than reusing them saves. */
const MIN_TRACKED = 4096;

// The pass whose derivative rules are running now, if any. Like grad mode, it
// is the state of the computation in progress: `noteResult` (called by
// `apply`, the one path of every primitive) reports each new storage to it.
let open: BackwardMemory | null = null;

/**
 * Tells the backward pass running now (if any) that a primitive made `out`
 * over storage none of its inputs had. Nothing happens outside a pass, or
 * while user code (a hook, a custom op's backward) runs inside one.
 *
 * @example
 * ```ts
 * const out = forwards[prim](inputs, params);
 * noteResult(out, inputs);
 * ```
 */
export function noteResult(out: Tensor, inputs: readonly Tensor[]): void {
  if (open === null || out.numel < MIN_TRACKED) return;
  for (const t of inputs) if (t.storage === out.storage) return; // a view: made before
  open.track(out.storage);
}

/**
 * Runs user code (a hook, a custom op's backward) that is given the tensors
 * `seen`: both those and whatever `f` makes may be kept by it, so the pass
 * running now is told they escape, and what `f` makes is not tracked.
 *
 * @example
 * ```ts
 * const g2 = outsidePass([g], () => hook(g));
 * ```
 */
export function outsidePass<T>(seen: readonly Tensor[], f: () => T): T {
  const pass = open;
  if (pass !== null) for (const t of seen) pass.escape(t);
  open = null;
  try {
    return f();
  } finally {
    open = pass;
  }
}

/**
 * What one backward pass knows about the storage it makes. Gradients and the
 * temporaries of derivative rules are made inside the pass and, unless they
 * end up in a `.grad` or reach user code, die inside it. The pass tells this
 * tracker where its gradients are (`hold`/`drop` for the slots that wait to
 * be consumed, `escape` for whatever leaves it), and after each node `sweep`
 * tells each storage's backend, in one call, which of the buffers the pass
 * made no slot holds any more: the backend may reuse them at once, with no
 * help from the garbage collector.
 *
 * Only storage made while the tracker is open is ever released, and only
 * when nothing the pass handed out can reach it: anything given to user code
 * (hooks, custom ops' backward) escapes, and what such code makes is never
 * tracked.
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
  private readonly previous: BackwardMemory | null;

  constructor() {
    this.previous = open;
    open = this;
  }

  /** A primitive made `storage` during the pass. */
  track(storage: Storage): void {
    this.made.set(storage, 0);
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
    release(dead);
  }

  /**
   * Stops tracking. After a finished pass every slot is empty, so whatever
   * did not escape is released; after a failed one nothing is, since the
   * slots' contents may still be reachable from where the error was thrown.
   */
  close(finished: boolean): void {
    open = this.previous;
    if (finished) release([...this.made.keys()].filter((s) => !this.escaped.has(s)));
    this.made.clear();
  }
}

/** Tells each backend, in one call, which of its buffers are dead. */
function release(dead: readonly Storage[]): void {
  if (dead.length === 0) return;
  const byBackend = new Map<Backend, unknown[]>();
  for (const s of dead) {
    const list = byBackend.get(s.backend);
    if (list === undefined) byBackend.set(s.backend, [s.buffer]);
    else list.push(s.buffer);
  }
  for (const [be, buffers] of byBackend) be.release(buffers);
}
