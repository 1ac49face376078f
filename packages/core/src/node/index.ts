export { workerThread } from './worker-thread.js';
export { createWebGpu, type CreateWebGpuOptions, type GpuLike } from './webgpu.js';
