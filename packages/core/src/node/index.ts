/**
 * Node-only helpers: worker threads, all cores in one call, WebGPU through Dawn, file bytes.
 *
 * @module @tapegrad/core/node
 */
export { workerThread } from './worker-thread.js';
export { useAllCores } from './all-cores.js';
export { readFileBytes, writeFileBytes } from './file-bytes.js';
export { createWebGpu, type CreateWebGpuOptions, type GpuLike } from './webgpu.js';
