import { TapegradError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/js-backend.js';
import { cpuBackend } from './cpu/cpu-backend.js';
import { createWasmKernels } from './wasm/wasm-backend.js';

let active: Backend | null = null;
let wasm: Backend | null | undefined;

/**
 * Said once, when the engine has WebAssembly SIMD but refuses to compile the
 * kernels: without it, a page whose Content-Security-Policy lacks
 * `'wasm-unsafe-eval'` would run many times slower and never know why.
 */
function warnCompileFailed(error: unknown): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // The core compiles without DOM or Node types: `console` is read from the global object.
  (globalThis as { console?: { warn(message: string): void } }).console?.warn(
    `tapegrad: compiling the WebAssembly backend failed (${reason}), so tapegrad runs on the ` +
      `plain-TypeScript 'js' backend, many times slower. Under a Content-Security-Policy, allow ` +
      `WebAssembly with script-src 'wasm-unsafe-eval'. getBackend().name says which backend runs.`,
  );
}

/**
 * The WebAssembly SIMD backend, built on first use, or null where the engine
 * lacks WebAssembly SIMD or refuses to compile it (then a warning names the
 * reason, once, e.g. a Content-Security-Policy without `'wasm-unsafe-eval'`).
 *
 * @example
 * ```ts
 * wasmBackend()?.name; // 'wasm'
 * ```
 */
export function wasmBackend(): Backend | null {
  if (wasm === undefined) {
    const built = createWasmKernels(warnCompileFailed);
    wasm = built === null ? null : cpuBackend('wasm', built.kernels, built.fusion);
  }
  return wasm;
}

/**
 * The backend new tensors and kernels use: the WebAssembly SIMD backend where
 * the engine supports it, else the plain-TypeScript reference (with a warning,
 * once, where the engine has SIMD but refuses to compile, as under a
 * Content-Security-Policy without `'wasm-unsafe-eval'`).
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
    throw new TapegradError(`setBackend: unknown backend '${String(backend)}'; the built-in ones are 'js' and 'wasm'${wasmBackend() === null ? " ('wasm' needs WebAssembly SIMD, which this engine lacks or refuses to compile)" : ''}, or pass a Backend object`);
  }
  if (typeof backend !== 'string' && (typeof backend !== 'object' || backend === null || typeof backend.upload !== 'function' || typeof backend.device !== 'string')) {
    throw new TapegradError(`setBackend: expected 'js', 'wasm' or a Backend object, got ${backend === null ? 'null' : typeof backend}`);
  }
  if (backend === 'js') active = jsBackend;
  else if (backend === 'wasm') {
    const be = wasmBackend();
    if (be === null) throw new TapegradError("setBackend: the 'wasm' backend needs WebAssembly SIMD, which this engine lacks or refuses to compile");
    active = be;
  } else active = backend;
}
