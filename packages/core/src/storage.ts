import type { TypedArray } from './dtype.js';

/**
 * The memory a tensor and all its views share, with a version counter that
 * every in-place write bumps (so that backward can tell a saved value changed).
 */
export class Storage {
  version = 0;
  constructor(readonly data: TypedArray) {}
}
