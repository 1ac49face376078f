import type { BufferPool } from './buffer-pool.js';
import type { GpuBuffer } from './gpu-buffer.js';
import type { GpuDeviceLike } from './gpu-types.js';
import type { PipelineCache } from './pipeline-cache.js';
import type { Params } from './strided-index.js';
import { SCALAR_PRELUDE, storageType } from './wgsl-scalar.js';

/** A buffer a kernel reads, or writes when `write` is set. */
export interface Arg {
  readonly buffer: GpuBuffer;
  readonly write?: boolean;
}

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WORKGROUP = 64;

/**
 * Runs generated kernels: binds each distinct buffer once (a buffer an
 * in-place kernel reads and writes is one `read_write` binding), appends the
 * parameters as the last binding, and submits one compute pass.
 */
export class GpuRunner {
  constructor(
    readonly device: GpuDeviceLike,
    readonly pool: BufferPool,
    readonly pipelines: PipelineCache,
  ) {}

  /**
   * Runs `body(names)` (the WGSL after the bindings, with `main`) over the
   * buffers of `args`, `names[k]` being the array that `args[k]` is bound to.
   */
  run(args: readonly Arg[], params: Params, body: (names: readonly string[]) => string, groups: readonly [number, number, number]): void {
    const distinct: GpuBuffer[] = [];
    const writes: boolean[] = [];
    const names = args.map((a) => {
      let k = distinct.indexOf(a.buffer);
      if (k < 0) {
        k = distinct.push(a.buffer) - 1;
        writes.push(false);
      }
      if (a.write === true) writes[k] = true;
      return `b${k}`;
    });
    const decls = distinct.map((b, k) => `@group(0) @binding(${k}) var<storage, ${writes[k] ? 'read_write' : 'read'}> b${k}: array<${storageType(b.dtype)}>;`);
    decls.push(`@group(0) @binding(${distinct.length}) var<storage, read> p: array<i32>;`);
    const source = `${decls.join('\n')}\n${SCALAR_PRELUDE}\n${body(names)}`;
    const pipeline = this.pipelines.get(source);
    const data = params.toArray();
    const { handle: paramBuffer, weight } = this.pool.acquire(data.byteLength);
    this.device.queue.writeBuffer(paramBuffer as never, 0, data);
    const entries = distinct.map((b, k) => ({ binding: k, resource: { buffer: b.handle } }));
    entries.push({ binding: distinct.length, resource: { buffer: paramBuffer } });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0) as never, entries: entries as never });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline as never);
    pass.setBindGroup(0, bindGroup as never);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    this.device.queue.submit([encoder.finish()] as never);
    // Safe at once: the next write to it is queued after this pass.
    this.pool.give(paramBuffer, weight);
  }

  /** Workgroups for `n` threads of {@link WORKGROUP}, folded into two dims past the per-dim limit. */
  linearGroups(n: number): [number, number, number] {
    const groups = Math.ceil(n / WORKGROUP);
    const x = Math.min(groups, this.device.limits.maxComputeWorkgroupsPerDimension);
    return [x, Math.ceil(groups / x), 1];
  }
}

/** The entry point of a one-thread-per-element kernel: `i` is the element, `n = p[0]` the count. */
export function linearMain(body: string): string {
  return `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * ${WORKGROUP}u);
  if (i >= p[0]) { return; }
  ${body}
}`;
}
