import type { GpuComputePipeline, GpuDeviceLike } from './gpu-types.js';

/**
 * Compiled compute pipelines keyed by their generated WGSL source: a kernel
 * of the same op, dtypes and rank compiles once. Shapes, strides and offsets
 * are parameters read at run time, never part of the source.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GpuComputePipeline>();

  constructor(private readonly device: GpuDeviceLike) {}

  get(source: string): GpuComputePipeline {
    let p = this.pipelines.get(source);
    if (p === undefined) {
      const module = this.device.createShaderModule({ code: source });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module: module as never, entryPoint: 'main' } });
      this.pipelines.set(source, p);
    }
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }
}
