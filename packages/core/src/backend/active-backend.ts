import type { Backend } from './backend.js';
import { jsBackend } from './js-backend.js';

let active: Backend = jsBackend;

/**
 * The backend new tensors and kernels use.
 *
 * @example
 * ```ts
 * getBackend().name; // 'js'
 * ```
 */
export function getBackend(): Backend {
  return active;
}

/**
 * Switches the backend that runs kernels from now on. Tensors keep their
 * storage, which every CPU backend reads as typed arrays.
 *
 * @example
 * ```ts
 * setBackend(jsBackend);
 * ```
 */
export function setBackend(backend: Backend): void {
  active = backend;
}
