import type { Backend } from '../backend.js';
import { cpuBackend } from '../cpu/cpu-backend.js';
import { jsKernels } from './js-kernels.js';
import { referenceFusion } from './js-fusion.js';

/**
 * The plain-TypeScript backend: short, obviously correct, and the reference
 * every faster backend is tested against. Its deferred elementwise chains run
 * through the reference fusion, which composes the same kernels.
 *
 * @example
 * ```ts
 * setBackend(jsBackend);
 * ```
 */
export const jsBackend: Backend = /* @__PURE__ */ cpuBackend('js', jsKernels, referenceFusion(jsKernels));
