import type { WasmApi } from './wasm-api.js';
import { emitModule, f32x4Splat4 } from './wasm-emitter.js';

/**
 * Whether this engine validates a module that uses 128-bit SIMD.
 *
 * @example
 * ```ts
 * simdSupported(wasmApi()!); // true on Node 16.4+ and current browsers
 * ```
 */
export function simdSupported(api: WasmApi): boolean {
  try {
    return api.validate(emitModule([{ name: 'v', params: [], results: ['v128'], locals: [], body: f32x4Splat4(1) }], false));
  } catch {
    return false;
  }
}
