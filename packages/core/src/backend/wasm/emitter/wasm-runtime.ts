import type { WasmApi, WasmMemory } from './wasm-api.js';

/**
 * `bytes` rounded up to a cache line (64 bytes): where kernels lay out their
 * staged operands and tables in wasm memory.
 *
 * @example
 * ```ts
 * align(100); // 128
 * ```
 */
export function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

const PAGE = 65536;

/**
 * One linear memory shared by all kernel modules, with typed views that are
 * renewed whenever the memory grows (growing detaches the old buffer). Kernels
 * copy their inputs in, compute, and copy the result out, so the memory only
 * holds scratch: its size is the largest kernel's working set, never the sum
 * of live tensors, and the garbage collector keeps owning tensor storage.
 *
 * @example
 * ```ts
 * const rt = new WasmRuntime(api);
 * rt.reserve(1 << 20);
 * rt.f32.set(data, 0);
 * ```
 */
export class WasmRuntime {
  readonly memory: WasmMemory;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  u8: Uint8Array;

  /**
   * With `maximumBytes` the memory is shared (`SharedArrayBuffer`-backed, for
   * threads), which WebAssembly allows only with a maximum size.
   */
  constructor(readonly api: WasmApi, initialBytes: number, maximumBytes?: number) {
    const initial = Math.ceil(initialBytes / PAGE);
    this.memory =
      maximumBytes === undefined
        ? new api.Memory({ initial })
        : new api.Memory({ initial, maximum: Math.ceil(maximumBytes / PAGE), shared: true });
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.u8 = new Uint8Array(this.memory.buffer);
  }

  /**
   * Grows the memory to at least `bytes` bytes. A shared memory must only grow
   * while no other thread runs in it (between calls).
   */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / PAGE));
    // A shared memory's old buffer keeps its old length: views are renewed either way.
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.u8 = new Uint8Array(this.memory.buffer);
  }

  /** Compiles (synchronously) and instantiates a module against this memory. */
  instantiate(bytes: Uint8Array): Record<string, unknown> {
    return this.instantiateModule(new this.api.Module(bytes));
  }

  /** Instantiates a compiled module against this memory (a worker does the same with the same module). */
  instantiateModule(module: object): Record<string, unknown> {
    return new this.api.Instance(module, { env: { memory: this.memory } }).exports;
  }
}
