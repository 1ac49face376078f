import type { TypedArray } from './dtype.js';
import { watchStorage } from './storage-recycling.js';

/**
 * The memory a tensor and all its views share, with a version counter that
 * every in-place write bumps (so that backward can tell a saved value changed).
 * Views share this object, never its array: when the last tensor over it is
 * collected, a large array the allocator made goes back to the storage pool,
 * so nothing may keep `data` (or a subarray of it) past the Storage's life.
 *
 * @example
 * ```ts
 * const s = new Storage(allocate('float32', 4));
 * ```
 */
export class Storage {
  version = 0;
  constructor(readonly data: TypedArray) {
    watchStorage(this, data);
  }
}
