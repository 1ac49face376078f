import { TapegradError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/js-backend.js';
import { createWasmBackend } from './wasm/wasm-backend.js';

let active: Backend | null = null;
let wasm: Backend | null | undefined;

/**
 * The WebAssembly SIMD backend, built on first use, or null where the engine
 * lacks WebAssembly SIMD.
 *
 * @example
 * ```ts
 * wasmBackend()?.name; // 'wasm'
 * ```
 */
export function wasmBackend(): Backend | null {
  if (wasm === undefined) wasm = createWasmBackend();
  return wasm;
}

/**
 * The backend new tensors and kernels use: the WebAssembly SIMD backend where
 * the engine supports it, else the plain-TypeScript reference.
 *
 * @example
 * ```ts
 * getBackend().name; // 'wasm'
 * ```
 */
export function getBackend(): Backend {
  if (active === null) active = wasmBackend() ?? jsBackend;
  return active;
}

/**
 * Switches the backend that runs kernels from now on: a backend object, or
 * `'js'` / `'wasm'` for the built-in ones (`'wasm'` throws where WebAssembly
 * SIMD is missing). Tensors keep their storage: the CPU backends share their
 * buffers, and a tensor on another backend's device must be moved before an op
 * on the new backend can read it.
 *
 * @example
 * ```ts
 * setBackend('js'); // the reference backend
 * setBackend(jsBackend); // the same
 * ```
 */
export function setBackend(backend: Backend | 'js' | 'wasm'): void {
  if (typeof backend === 'string' && backend !== 'js' && backend !== 'wasm') {
    throw new TapegradError(`setBackend: unknown backend '${String(backend)}'; the built-in ones are 'js' and 'wasm'${wasmBackend() === null ? " ('wasm' needs WebAssembly SIMD, which this engine lacks)" : ''}, or pass a Backend object`);
  }
  if (typeof backend !== 'string' && (typeof backend !== 'object' || backend === null || typeof backend.upload !== 'function' || typeof backend.device !== 'string')) {
    throw new TapegradError(`setBackend: expected 'js', 'wasm' or a Backend object, got ${backend === null ? 'null' : typeof backend}`);
  }
  if (backend === 'js') active = jsBackend;
  else if (backend === 'wasm') {
    const be = wasmBackend();
    if (be === null) throw new TapegradError("setBackend: the 'wasm' backend needs WebAssembly SIMD, which this engine lacks");
    active = be;
  } else active = backend;
}
