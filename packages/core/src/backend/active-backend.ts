import { DeviceError, TapegradError } from '../errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/js-backend.js';
import { cpuBackend } from './cpu/cpu-backend.js';
import { createWasmKernels } from './wasm/wasm-backend.js';

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
 * A device a tensor lives on: `'cpu'` (the `wasm` and `js` backends, which
 * share their buffers) or `'webgpu'` (GPU buffers). A tensor's device is
 * that of its storage's backend.
 *
 * @example
 * ```ts
 * const device: Device = 'webgpu';
 * model.to(device);
 * ```
 */
export type Device = 'cpu' | 'webgpu';

// One backend per device (backends of one device share buffers), and the
// device that ops without tensor operands (creation functions) use.
const registered = new Map<string, Backend>();
let defaultDevice = 'cpu';

/** The CPU backend: the one registered, else WebAssembly SIMD where the engine has it, else the reference. */
function cpu(): Backend {
  let be = registered.get('cpu');
  if (be === undefined) {
    be = wasmBackend() ?? jsBackend;
    registered.set('cpu', be);
  }
  return be;
}

/** How to register a backend for `device`, for error messages. */
function howToRegister(device: string): string {
  if (device === 'webgpu') {
    return "register one with setBackend(await createWebGpu({ gpu })) from '@tapegrad/core/node' (Node, over the npm package webgpu) or setBackend(createWebGpuBackend(device)) (a browser, with a device from navigator.gpu); setBackend also makes it the default device";
  }
  return "tapegrad's devices are 'cpu' and 'webgpu'; a backend of another device is registered by setBackend(backend)";
}

/**
 * Whether `name` names a device: tapegrad's own (`'cpu'`, `'webgpu'`) or
 * one a backend was registered for.
 *
 * @example
 * ```ts
 * isDeviceName('webgpu'); // true
 * isDeviceName('float32'); // false
 * ```
 */
export function isDeviceName(name: string): boolean {
  return name === 'cpu' || name === 'webgpu' || registered.has(name);
}

/**
 * The backend registered for `device`, or a `DeviceError` naming `op` and how
 * to register one. `'cpu'` always has one.
 *
 * @example
 * ```ts
 * backendOf('zeros', 'webgpu').name; // 'webgpu', once setBackend registered it
 * ```
 */
export function backendOf(op: string, device: string): Backend {
  if (device === 'cpu') return cpu();
  const be = registered.get(device);
  if (be === undefined) throw new DeviceError(`${op}: no backend is registered for device '${String(device)}'; ${howToRegister(device)}`);
  return be;
}

/**
 * The backend of the default device: the one creation functions (`tensor`,
 * `zeros`, `randn`…) use when no `device` is given. An op runs on its
 * operands' device, whatever the default. On the CPU, the WebAssembly SIMD
 * backend where the engine supports it, else the plain-TypeScript reference
 * (with a warning, once, where the engine has SIMD but refuses to compile, as
 * under a Content-Security-Policy without `'wasm-unsafe-eval'`).
 *
 * @example
 * ```ts
 * getBackend().name; // 'wasm'
 * ```
 */
export function getBackend(): Backend {
  return defaultDevice === 'cpu' ? cpu() : backendOf('getBackend', defaultDevice);
}

/**
 * The device creation functions use when no `device` is given: `'cpu'`
 * unless {@link setBackend} or {@link setDefaultDevice} chose another.
 *
 * @example
 * ```ts
 * getDefaultDevice(); // 'cpu'
 * ```
 */
export function getDefaultDevice(): Device {
  return defaultDevice as Device;
}

/**
 * Makes `device` the default device: where creation functions put tensors
 * when no `device` is given. Its backend must have been registered with
 * {@link setBackend} (the CPU always has one); tensors already made stay
 * where they are.
 *
 * @example
 * ```ts
 * setBackend(await createWebGpu({ gpu })); // registers the GPU and makes it the default
 * setDefaultDevice('cpu'); // new tensors on the CPU again; model.to('webgpu') moves a model
 * ```
 */
export function setDefaultDevice(device: Device): void {
  if (typeof device !== 'string') throw new DeviceError(`setDefaultDevice: expected a device name ('cpu' or 'webgpu'), got ${device === null ? 'null' : typeof device}`);
  backendOf('setDefaultDevice', device);
  defaultDevice = device;
}

/**
 * Registers a backend for its device, replacing the one registered there
 * before, and makes that device the default (see {@link setDefaultDevice}):
 * a backend object, or `'js'` / `'wasm'` for the built-in CPU ones (`'wasm'`
 * throws where WebAssembly SIMD is missing). Ops run on the backend
 * registered for their operands' device; the CPU backends share their
 * buffers, so CPU tensors made under one run on the other.
 *
 * @example
 * ```ts
 * setBackend('js'); // the reference backend runs CPU tensors, and the CPU is the default device
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
  let be: Backend;
  if (backend === 'js') be = jsBackend;
  else if (backend === 'wasm') {
    const built = wasmBackend();
    if (built === null) throw new TapegradError("setBackend: the 'wasm' backend needs WebAssembly SIMD, which this engine lacks or refuses to compile");
    be = built;
  } else be = backend;
  registered.set(be.device, be);
  defaultDevice = be.device;
}
