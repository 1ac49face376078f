import type { Shape } from '../../shape.js';

// Strided views in WGSL: a thread knows its element's row-major position in
// the iteration shape and turns it into one storage offset per operand, from
// the shape and strides the kernel passes as parameters. Dims that all
// operands walk as one (and dims of size 1) are merged first, so most
// kernels run at rank 1 or 2 and share a compiled pipeline.

/** Merges dims of `shape` that every stride list walks contiguously, and drops dims of size 1. */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
      continue;
    }
    outShape.push(size);
    strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * A kernel's parameters, read by its shader from an `array<i32>` binding `p`:
 * the element count first, then what the kernel pushes (floats by their bits).
 */
export class Params {
  readonly values: number[] = [];
  private static readonly f32 = new Float32Array(1);
  private static readonly i32 = new Int32Array(Params.f32.buffer);

  /** Appends integers and returns the position of the first. */
  push(...values: readonly number[]): number {
    const at = this.values.length;
    this.values.push(...values);
    return at;
  }

  /** Appends a float32 by its bits; WGSL reads it back with `bitcast<f32>(p[at])`. */
  pushF32(value: number): number {
    Params.f32[0] = value;
    return this.push(Params.i32[0]!);
  }

  toArray(): Int32Array<ArrayBuffer> {
    return Int32Array.from(this.values.length === 0 ? [0] : this.values);
  }
}

/** An operand's place in the parameters: its offset at `at`, its strides after. */
export interface StridedOperand {
  readonly name: string;
  readonly at: number;
}

/** Pushes an operand's offset and strides; returns where they start. */
export function pushStrided(params: Params, offset: number, strides: readonly number[]): number {
  return params.push(offset, ...strides);
}

/**
 * WGSL that turns the flat row-major position `pos` (an i32 expression) in a
 * shape of rank `nd` (its sizes at `p[shapeAt…]`) into `o_<name>`, the
 * storage offset of each operand.
 */
export function emitOffsets(pos: string, nd: number, shapeAt: number, operands: readonly StridedOperand[], prefix = ''): string {
  const lines = [`var ${prefix}rem = ${pos};`];
  for (const o of operands) lines.push(`var o_${o.name} = p[${o.at}];`);
  for (let d = nd - 1; d >= 0; d--) {
    lines.push(d === 0 ? `{ let c = ${prefix}rem;` : `{ let s = p[${shapeAt + d}]; let c = ${prefix}rem % s; ${prefix}rem = ${prefix}rem / s;`);
    for (const o of operands) lines.push(`  o_${o.name} += c * p[${o.at + 1 + d}];`);
    lines.push('}');
  }
  return lines.join('\n  ');
}
