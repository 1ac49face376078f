import type { Backend } from '../backend/backend.js';

/**
 * The memory a tensor and all its views share: a buffer of the backend that
 * owns it (an opaque handle here: only the backend reads or writes its
 * contents), its length in elements, and a version counter that every
 * in-place write bumps, so that backward can tell a saved value changed.
 *
 * @example
 * ```ts
 * const be = getBackend();
 * const s = new Storage(be, be.alloc('float32', 4), 4);
 * ```
 */
export class Storage {
  version = 0;

  constructor(
    /** The backend whose buffer this is, and which runs the kernels that read it. */
    readonly backend: Backend,
    readonly buffer: unknown,
    /** Elements in the buffer. */
    readonly length: number,
  ) {}
}
