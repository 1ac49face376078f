import { fmtShape } from '@tapegrad/core';
import type { GraphBuilder } from './graph-builder.js';

/** Where the batch is: each input's batch dim (null: none), its size in both passes, and the name of the symbolic dim. */
export interface BatchInfo {
  readonly axes: readonly (number | null)[];
  readonly sizeA: number;
  readonly sizeB: number;
  readonly dimName: string;
}

/**
 * Sizes in the graph that may follow the batch: a list of sizes as the
 * traced pass (batch sizeA) and the second pass (sizeB) saw them becomes a
 * constant where they agree, and otherwise a value computed at run time from
 * the batch dim of an input, `slope·batch + offset` per size that moved.
 */
export class BatchSizes {
  private batchValue: string | null = null;
  private readonly affine = new Map<string, string>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly batch: BatchInfo | null,
    private readonly inputNames: readonly string[],
  ) {}

  /** A 1-D int64 value holding `a` at batch sizeA and `b` at sizeB; `fail` says why it cannot. */
  ints(a: readonly number[], b: readonly number[], fail: (why: string) => never): string {
    if (a.length === b.length && a.every((v, i) => v === b[i])) return this.g.int64s(a);
    const batch = this.batch;
    if (batch === null) return fail(`a size changed between two passes of one shape (${fmtShape(a)}, then ${fmtShape(b)})`);
    const pieces: string[] = [];
    let run: number[] = [];
    a.forEach((v, i) => {
      const w = b[i]!;
      if (v === w) {
        run.push(v);
        return;
      }
      const slope = (w - v) / (batch.sizeB - batch.sizeA);
      const offset = v - slope * batch.sizeA;
      if (!Number.isInteger(slope) || !Number.isInteger(offset)) {
        fail(`a size of ${fmtShape(a)} is ${v} for batch ${batch.sizeA} and ${w} for batch ${batch.sizeB}, not a multiple of the batch size plus a constant`);
      }
      if (run.length > 0) pieces.push(this.g.int64s(run));
      run = [];
      pieces.push(this.linear(batch, slope, offset));
    });
    if (run.length > 0) pieces.push(this.g.int64s(run));
    return pieces.length === 1 ? pieces[0]! : this.g.op('Concat', pieces, { axis: 0 });
  }

  /** `[slope·batch + offset]`, the batch read once from the first input that has a batch dim. */
  private linear(batch: BatchInfo, slope: number, offset: number): string {
    const key = `${slope}:${offset}`;
    const known = this.affine.get(key);
    if (known !== undefined) return known;
    if (this.batchValue === null) {
      const i = batch.axes.findIndex((ax) => ax !== null);
      const axis = batch.axes[i]!;
      this.batchValue = this.g.op('Shape', [this.inputNames[i]!], { start: axis, end: axis + 1 });
    }
    let value = this.batchValue;
    if (slope !== 1) value = this.g.op('Mul', [value, this.g.int64s([slope])]);
    if (offset !== 0) value = this.g.op('Add', [value, this.g.int64s([offset])]);
    this.affine.set(key, value);
    return value;
  }
}
