export { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './webgpu-backend.js';
export { GpuBuffer } from './gpu-buffer.js';
export type { GpuDeviceLike } from './gpu-types.js';
export type { GpuMemoryStats } from './buffer-pool.js';
