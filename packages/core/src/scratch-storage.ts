import type { Storage } from './storage.js';
import { allocationScopeOpen, releaseStorage } from './storage-recycling.js';

// Scratch storage: a tensor an op makes for its own use (conv2d's columns)
// that nothing outside the op ever sees. Once made, only the tape nodes that
// save a tensor over it can reach it, so when the backward pass frees the last
// of them (or right away, when nothing recorded) its array goes back to the
// pool, inside a synchronous training loop, with no help from the collector.
// Each Storage counts its holders in `scratchHolders` (-1: not scratch).

/**
 * Declares `t`'s storage scratch: `t` was just made by the calling op, is
 * not returned to the caller, and no view of it will be. Its own node, if it
 * was recorded, is its first holder; nodes recorded later that save a tensor
 * over it are counted as they are made.
 *
 * @example
 * ```ts
 * const columns = apply('im2col', [x], geometry);
 * markScratch(columns);
 * ```
 */
export function markScratch(t: { readonly storage: Storage; readonly gradFn: unknown }): void {
  t.storage.scratchHolders = t.gradFn === null ? 0 : 1;
}

/**
 * Releases scratch storage that no node saved (nothing recorded): the op is
 * done with it.
 *
 * @example
 * ```ts
 * const product = matmul(w, columns);
 * releaseIfUnsaved(columns.storage);
 * ```
 */
export function releaseIfUnsaved(storage: Storage): void {
  if (storage.scratchHolders !== 0) return;
  storage.scratchHolders = -1;
  releaseStorage(storage);
}

/**
 * A tape node saves a tensor over `storage`.
 *
 * @example
 * ```ts
 * holdScratch(saved.storage);
 * ```
 */
export function holdScratch(storage: Storage): void {
  if (storage.scratchHolders >= 0) storage.scratchHolders++;
}

/**
 * A tape node freed its saved tensor over `storage`: the last holder gone,
 * the array goes back to the pool.
 *
 * @example
 * ```ts
 * dropScratch(saved.storage);
 * ```
 */
export function dropScratch(storage: Storage): void {
  if (storage.scratchHolders < 0) return;
  if (--storage.scratchHolders === 0) releaseIfUnsaved(storage);
}

/**
 * A saved tensor over `storage` is handed out: to a backward pass's own
 * rules it stays scratch, but anyone else (user code, a hook, a backward that
 * records itself, so that new nodes save it uncounted) may keep it, and then
 * it is never released.
 *
 * @example
 * ```ts
 * sawScratch(this.inputs[i].storage);
 * ```
 */
export function sawScratch(storage: Storage): void {
  if (storage.scratchHolders >= 0 && !allocationScopeOpen()) storage.scratchHolders = -1;
}
