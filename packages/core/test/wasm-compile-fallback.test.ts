import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WasmApi } from '../src/backend/wasm/emitter/wasm-api.js';

// Under a Content-Security-Policy without 'wasm-unsafe-eval', the engine has
// WebAssembly SIMD (validate works) but refuses to compile any module. Each
// test loads a fresh copy of the library, whose backend is not yet chosen.
type WebAssemblyGlobal = WasmApi & { CompileError: new (message: string) => Error };
const real = (globalThis as unknown as { WebAssembly: WebAssemblyGlobal }).WebAssembly;

/** The global WebAssembly API with a Module constructor that throws `error`. */
function refusingWebAssembly(error: Error): WebAssemblyGlobal {
  return {
    validate: real.validate.bind(real),
    Module: class {
      constructor() {
        throw error;
      }
    },
    Instance: real.Instance,
    Memory: real.Memory,
    CompileError: real.CompileError,
  };
}

async function freshCore(): Promise<typeof import('../src/index.js')> {
  vi.resetModules();
  return import('../src/index.js');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('when compiling the wasm backend fails', () => {
  it("falls back to the js backend and warns once, naming 'wasm-unsafe-eval' and getBackend()", async () => {
    const csp = new real.CompileError(
      "WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script",
    );
    vi.stubGlobal('WebAssembly', refusingWebAssembly(csp));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const core = await freshCore();
    expect(core.getBackend().name).toBe('js');
    expect(core.wasmBackend()).toBeNull();
    expect(() => core.setBackend('wasm')).toThrow(/refuses to compile/);
    expect(core.tensor([1, 2]).exp().sum().item()).toBeCloseTo(Math.E + Math.E ** 2);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toContain("'wasm-unsafe-eval'");
    expect(message).toContain('getBackend()');
    expect(message).toContain('Refused to compile');
  });

  it('says nothing where the engine simply lacks WebAssembly', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const core = await freshCore();
    expect(core.getBackend().name).toBe('js');
    expect(warn).not.toHaveBeenCalled();
  });

  it('says nothing where compiling works', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const core = await freshCore();
    expect(core.wasmBackend()?.name).toBe('wasm');
    expect(warn).not.toHaveBeenCalled();
  });
});
