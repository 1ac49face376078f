import type { GpuDeviceLike } from '../../src/backend/webgpu/gpu-types.js';

// A device that computes nothing: every command is accepted and dropped, and
// a read maps zeros. The WebGPU backend's memory (its pool, what backward
// releases, what the collector hands back) does not depend on what kernels
// compute, so a training loop on this device allocates, releases and reuses
// exactly as on a GPU, at the speed of the JavaScript alone: fast enough to
// run the bench's model for hundreds of steps in a test, on any machine.

/** What a null device counts. */
export interface NullDeviceCounts {
  created: number;
  destroyed: number;
}

/** A {@link GpuDeviceLike} that runs nothing; `counts` tallies buffers created and destroyed. */
export function nullDevice(): GpuDeviceLike & { readonly counts: NullDeviceCounts } {
  const counts: NullDeviceCounts = { created: 0, destroyed: 0 };
  const pass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} };
  return {
    counts,
    queue: { submit() {}, writeBuffer() {} },
    limits: { maxComputeWorkgroupsPerDimension: 65535, maxStorageBufferBindingSize: 2 ** 31 },
    createBuffer({ size }) {
      counts.created++;
      return {
        size,
        // As a GPU's map does, this resolves in a later task, not a microtask:
        // a loop that awaits a read yields to the event loop.
        mapAsync: () => new Promise((resolve) => setImmediate(resolve)),
        getMappedRange: () => new ArrayBuffer(size),
        unmap() {},
        destroy() {
          counts.destroyed++;
        },
      };
    },
    createShaderModule: () => ({}),
    createComputePipeline: () => ({ getBindGroupLayout: () => ({}) }),
    createBindGroup: () => ({}),
    createCommandEncoder: () => ({ beginComputePass: () => pass, clearBuffer() {}, copyBufferToBuffer() {}, finish: () => ({}) }),
  };
}
