/**
 * The part of the WebAssembly JavaScript API the wasm backend uses, typed here
 * because the library compiles without DOM or Node type libraries; read from
 * `globalThis` so that an environment without WebAssembly simply gets `null`.
 */

/**
 * A linear memory: its buffer is replaced (and old views detached) by `grow`.
 * A shared memory's buffer is a `SharedArrayBuffer`; growing it leaves old
 * views valid but at the old length, so they are renewed all the same.
 *
 * @example
 * ```ts
 * const pages = memory.buffer.byteLength / 65536;
 * ```
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/**
 * An instantiated module's exports.
 *
 * @example
 * ```ts
 * const f = instance.exports['sum'] as (n: number) => number;
 * ```
 */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/**
 * The constructors and `validate` of the global `WebAssembly` object.
 *
 * @example
 * ```ts
 * wasmApi()?.validate(bytes);
 * ```
 */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/**
 * The global WebAssembly API, or `null` where there is none.
 *
 * @example
 * ```ts
 * if (wasmApi() === null) setBackend(jsBackend);
 * ```
 */
export function wasmApi(): WasmApi | null {
  const g = globalThis as { WebAssembly?: WasmApi };
  return g.WebAssembly ?? null;
}
