import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../backend/webgpu/webgpu-backend.js';
import type { GpuDeviceLike } from '../backend/webgpu/gpu-types.js';
import { DeviceError } from '../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../options.js';

/**
 * What `createWebGpu` needs of a WebGPU entry point: the `GPU` object that
 * Dawn's Node binding returns from `create([...])`, or `navigator.gpu`.
 *
 * @example
 * ```ts
 * import { create } from 'webgpu';
 * const gpu: GpuLike = create(['backend=vulkan']);
 * ```
 */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<{ requestDevice(): Promise<GpuDeviceLike> } | null>;
}

/**
 * Options of {@link createWebGpu}.
 *
 * @example
 * ```ts
 * const options: CreateWebGpuOptions = { gpu: create(['backend=vulkan']), powerPreference: 'high-performance' };
 * ```
 */
export interface CreateWebGpuOptions extends WebGpuBackendOptions {
  /** The WebGPU entry point: `create([...])` from the npm package `webgpu`, or `navigator.gpu`. */
  readonly gpu: GpuLike;
  readonly powerPreference?: 'low-power' | 'high-performance';
}

const createOptionRules: OptionRules = { gpu: optionRules.any, powerPreference: optionRules.oneOf('low-power', 'high-performance'), gcPressure: optionRules.boolean };

/**
 * The WebGPU backend on the first adapter of `gpu`. tapegrad does not depend
 * on a WebGPU implementation: in Node, install Dawn's binding (`npm i webgpu`)
 * and pass its `GPU` object. Throws when no adapter is found (in Node on a
 * machine without a GPU, SwiftShader's Vulkan driver provides one: point
 * `VK_ICD_FILENAMES` at its `vk_swiftshader_icd.json`).
 *
 * @example
 * ```ts
 * import { create } from 'webgpu';
 * import { setBackend, tensor } from '@tapegrad/core';
 * import { createWebGpu } from '@tapegrad/core/node';
 * setBackend(await createWebGpu({ gpu: create(['backend=vulkan']) }));
 * console.log(await tensor([1, 2]).mul(3).toArrayAsync()); // [3, 6]
 * ```
 */
export async function createWebGpu(options: CreateWebGpuOptions): Promise<WebGpuBackend> {
  checkOptions('createWebGpu', options, createOptionRules);
  const adapter = await options.gpu.requestAdapter(options.powerPreference === undefined ? undefined : { powerPreference: options.powerPreference });
  if (adapter === null) throw new DeviceError('createWebGpu: the GPU object offers no adapter (without a GPU, install SwiftShader and set VK_ICD_FILENAMES to its ICD file)');
  const backend = createWebGpuBackend(await adapter.requestDevice(), options.gcPressure === undefined ? {} : { gcPressure: options.gcPressure });
  owners.set(backend, [options.gpu, adapter]);
  return backend;
}

/**
 * The `GPU` object (and adapter) behind each backend, kept alive as long as
 * the backend is. In Dawn's Node binding a device does not keep its instance
 * alive, and the instance is what processes the device's events: once the
 * garbage collector takes the `GPU` object, `mapAsync` (every `dataAsync()`)
 * never resolves, or the process aborts, while the device still looks usable.
 */
const owners = new WeakMap<WebGpuBackend, readonly unknown[]>();
