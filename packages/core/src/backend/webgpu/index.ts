export { createWebGpuBackend, type WebGpuBackend } from './webgpu-backend.js';
export { GpuBuffer } from './gpu-buffer.js';
export type { GpuDeviceLike } from './gpu-types.js';
export type { GpuMemoryStats } from './buffer-pool.js';
