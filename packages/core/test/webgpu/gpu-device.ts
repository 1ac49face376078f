import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/backend/webgpu/index.js';

// One GPU device per test file: Dawn's Node binding (npm `webgpu`) on
// Vulkan, which on a machine without a GPU is SwiftShader, the CPU
// implementation Chromium ships (Debian's chromium-common installs it).
// TAPEGRAD_REQUIRE_WEBGPU=1 (set by CI) turns a missing adapter into a failure.

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface GpuSetup {
  readonly backend: WebGpuBackend | null;
  /** Why there is no backend, or which adapter runs it. */
  readonly reason: string;
  /** Validation errors the device reported. */
  readonly errors: string[];
  /** Destroys the device: Dawn aborts the process if one is alive at exit. */
  close(): void;
  /**
   * The `GPU` object and adapter: Dawn's device does not keep its instance
   * alive, and without the instance no `mapAsync` ever resolves.
   */
  readonly instance?: readonly unknown[];
}

export const requireWebGpu = process.env.TAPEGRAD_REQUIRE_WEBGPU === '1';

export async function gpuSetup(): Promise<GpuSetup> {
  const errors: string[] = [];
  if (process.env.VK_ICD_FILENAMES === undefined && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;
  try {
    const { create } = await import('webgpu');
    const gpu = create(['backend=vulkan']);
    const adapter = await gpu.requestAdapter();
    if (adapter === null) return { close: () => {}, backend: null, reason: `no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}; install chromium-common and libvulkan1 for SwiftShader)`, errors };
    const device = await adapter.requestDevice();
    device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
    const info = adapter.info;
    return { close: () => device.destroy(), backend: createWebGpuBackend(device), reason: `${info.vendor} ${info.architecture} ${info.description}`.trim(), errors, instance: [gpu, adapter] };
  } catch (e) {
    return { close: () => {}, backend: null, reason: `WebGPU unavailable: ${(e as Error).message}`, errors };
  }
}

/**
 * The device of a test file: the first test states which adapter runs it, or
 * (without one) skips with the reason printed, or fails where
 * TAPEGRAD_REQUIRE_WEBGPU=1. The device is destroyed after the file.
 */
export async function fileDevice(): Promise<GpuSetup> {
  const setup = await gpuSetup();
  afterAll(() => setup.close());
  describe('webgpu availability', () => {
    it(`has a WebGPU adapter (${setup.reason})`, () => {
      if (requireWebGpu) expect(setup.backend, setup.reason).not.toBeNull();
      else if (setup.backend === null) console.warn(`webgpu tests skipped: ${setup.reason}`);
    });
  });
  return setup;
}
