// The few WebGPU interfaces this backend uses, declared here so that the core
// needs neither `@webgpu/types` nor a DOM library: a browser's `GPUDevice`, or
// the one Dawn's Node binding makes, fits them structurally. The objects this
// backend only hands back to the device (modules, layouts, buffers, command
// buffers) appear as `never` where they are passed in, so that the branded
// types of a real WebGPU implementation fit (this backend passes them `as never`).

/** A GPU buffer, as far as this backend uses one. */
export interface GpuBufferHandle {
  readonly size: number;
  mapAsync(mode: number): Promise<unknown>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** A compiled shader module. */
export type GpuShaderModule = object;

/** A bind group layout, opaque here. */
export type GpuBindGroupLayout = object;

/** A bind group, opaque here. */
export type GpuBindGroup = object;

/** A compute pipeline whose layout was derived from its shader. */
export interface GpuComputePipeline {
  getBindGroupLayout(index: number): GpuBindGroupLayout;
}

/** A compute pass being recorded. */
export interface GpuComputePassEncoder {
  setPipeline(pipeline: never): void;
  setBindGroup(index: number, group: never): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** A command buffer, opaque here. */
export type GpuCommandBuffer = object;

/** Records commands for the queue. */
export interface GpuCommandEncoder {
  beginComputePass(): GpuComputePassEncoder;
  clearBuffer(buffer: never): void;
  copyBufferToBuffer(source: never, sourceOffset: number, destination: never, destinationOffset: number, size: number): void;
  finish(): GpuCommandBuffer;
}

/** The device's queue. */
export interface GpuQueue {
  submit(commands: Iterable<never>): void;
  writeBuffer(buffer: never, offset: number, data: ArrayBufferView<ArrayBuffer>): void;
}

/**
 * The subset of WebGPU's `GPUDevice` the WebGPU backend uses: a browser's
 * `GPUDevice` (from `navigator.gpu`) or the one Dawn's Node binding (npm
 * `webgpu`) makes fits it.
 *
 * @example
 * ```ts
 * const adapter = await navigator.gpu.requestAdapter();
 * const device: GpuDeviceLike = await adapter!.requestDevice();
 * ```
 */
export interface GpuDeviceLike {
  readonly queue: GpuQueue;
  readonly limits: { readonly maxComputeWorkgroupsPerDimension: number; readonly maxStorageBufferBindingSize: number };
  createBuffer(descriptor: { size: number; usage: number }): GpuBufferHandle;
  createShaderModule(descriptor: { code: string }): GpuShaderModule;
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: never; entryPoint: string } }): GpuComputePipeline;
  createBindGroup(descriptor: { layout: never; entries: Iterable<{ binding: number; resource: { buffer: never } }> }): GpuBindGroup;
  createCommandEncoder(): GpuCommandEncoder;
}

// WebGPU's flag values (GPUBufferUsage, GPUMapMode), as numbers so that no
// global of the WebGPU API is needed at import time.
export const USAGE_MAP_READ = 0x1;
export const USAGE_COPY_SRC = 0x4;
export const USAGE_COPY_DST = 0x8;
export const USAGE_STORAGE = 0x80;
export const MAP_READ = 0x1;
