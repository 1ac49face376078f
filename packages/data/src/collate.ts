import { Tensor, fmtShape, stack, tensor, ShapeError } from '@tapegrad/core';
import { DataError } from './errors.js';

/**
 * What the default collate makes of a batch of items of type `T`: tensors
 * gain a first dimension, numbers and booleans become a tensor, arrays and
 * plain objects are collated element by element, strings become a list.
 *
 * @example
 * ```ts
 * type B = Collated<{ x: Tensor; label: number }>; // { x: Tensor; label: Tensor }
 * ```
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v;
}

function collateAt(batch: readonly unknown[], path: string): unknown {
  const first = batch[0];
  const where = path === '' ? '' : ` at ${path}`;
  const kindOf = (v: unknown): string =>
    v instanceof Tensor ? 'tensor' : Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
  const kind = kindOf(first);
  batch.forEach((v, i) => {
    if (kindOf(v) !== kind) throw new DataError(`defaultCollate: item ${i}${where} is ${describe(v)} but item 0 is ${describe(first)}`);
  });
  switch (kind) {
    case 'tensor': {
      const ts = batch as readonly Tensor[];
      const shape = ts[0]!.shape;
      const odd = ts.findIndex((t) => t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k]));
      if (odd >= 0) throw new ShapeError(`defaultCollate: tensors${where} must have equal shapes to be stacked, got ${fmtShape(shape)} (item 0) and ${fmtShape(ts[odd]!.shape)} (item ${odd})`);
      return stack([...ts], 0);
    }
    case 'number':
      return tensor(batch as number[]);
    case 'boolean':
      return tensor(batch as boolean[]);
    case 'string':
      return [...(batch as string[])];
    case 'array': {
      const arrays = batch as readonly (readonly unknown[])[];
      const len = arrays[0]!.length;
      const odd = arrays.findIndex((a) => a.length !== len);
      if (odd >= 0) throw new DataError(`defaultCollate: every item${where} must have the same length, got ${len} (item 0) and ${arrays[odd]!.length} (item ${odd})`);
      return Array.from({ length: len }, (_, k) => collateAt(arrays.map((a) => a[k]), `${path}[${k}]`));
    }
    case 'object': {
      const proto = Object.getPrototypeOf(first) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new DataError(`defaultCollate: cannot batch ${(first as object).constructor?.name ?? 'an object'} items${where}; pass a collate function`);
      const keys = Object.keys(first as object);
      const records = batch as readonly Record<string, unknown>[];
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const missing = records.findIndex((r) => !Object.hasOwn(r, key));
        if (missing >= 0) throw new DataError(`defaultCollate: item ${missing}${where} has no key '${key}' (item 0 has ${keys.join(', ')})`);
        out[key] = collateAt(records.map((r) => r[key]), path === '' ? key : `${path}.${key}`);
      }
      return out;
    }
    default:
      throw new DataError(`defaultCollate: cannot batch ${describe(first)}${where}; items must be tensors, numbers, booleans, strings, arrays or plain objects of these (or pass a collate function)`);
  }
}

/**
 * Batches a list of items as PyTorch's `default_collate` does: tensors are
 * stacked along a new first dimension (equal shapes required), numbers become
 * a float32 tensor and booleans a bool tensor (as `tensor` makes them; keep
 * integer labels in an int32 tensor to batch them as int32), strings a list,
 * and arrays (tuples) and plain objects are collated element by element.
 *
 * @example
 * ```ts
 * defaultCollate([{ x: ones([2]), y: 1 }, { x: zeros([2]), y: 0 }]); // { x: [2, 2] tensor, y: [2] tensor }
 * ```
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (batch.length === 0) throw new DataError('defaultCollate: the batch is empty');
  return collateAt(batch, '') as Collated<T>;
}
