import { setBackend, setDefaultDevice, type Device } from '@tapegrad/core';
import { createWebGpu, type GpuLike } from '@tapegrad/core/node';

/** What preparing a device gave: ready, or why not (printed as the demo's error). */
export type PreparedDevice = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** The `GPU` object of Dawn's Node binding, the npm package `webgpu`, loaded only when asked for. */
async function dawnGpu(): Promise<GpuLike> {
  const { create } = await import('webgpu');
  return create([]);
}

/**
 * Registers the backend of `device`: nothing to do for the CPU; for
 * `'webgpu'`, a WebGPU backend on the first adapter of `loadGpu()`'s GPU
 * object. New tensors stay on the CPU: the model and each batch are moved
 * explicitly, as in PyTorch.
 */
export async function prepareDevice(device: Device, loadGpu: () => Promise<GpuLike> = dawnGpu): Promise<PreparedDevice> {
  if (device === 'cpu') return { ok: true };
  let gpu: GpuLike;
  try {
    gpu = await loadGpu();
  } catch (e) {
    return { ok: false, message: `--device webgpu needs Dawn's Node binding, the npm package webgpu (npm i webgpu): ${(e as Error).message}` };
  }
  try {
    setBackend(await createWebGpu({ gpu, powerPreference: 'high-performance' }));
  } catch (e) {
    return { ok: false, message: `--device webgpu: ${(e as Error).message}` };
  }
  setDefaultDevice('cpu');
  return { ok: true };
}
