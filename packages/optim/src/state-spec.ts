import { type Tensor, fmtShape } from '@tapegrad/core';
import { deserializeTensor, isSerializedTensor } from './serialized-tensor.js';

/**
 * What one field of an optimizer's per-parameter state may hold: a `count`
 * (a non-negative integer, such as Adam's `step`), a finite `number`, or a `tensor` of the
 * parameter's shape and dtype, finite, and `nonNegative` where the algorithm
 * takes its square root (second moments, Adagrad's sum).
 *
 * @example
 * ```ts
 * const spec: StateSpec = { step: { kind: 'count' }, expAvgSq: { kind: 'tensor', nonNegative: true } };
 * ```
 */
export type StateField = { readonly kind: 'count' } | { readonly kind: 'number' } | { readonly kind: 'tensor'; readonly nonNegative?: boolean };

/**
 * The fields an optimizer's per-parameter state may have, by name: the data
 * `loadStateDict` checks a saved state against.
 *
 * @example
 * ```ts
 * const spec: StateSpec = { momentumBuffer: { kind: 'tensor' } };
 * ```
 */
export type StateSpec = Readonly<Record<string, StateField>>;

/**
 * The saved state of one parameter checked against `spec`, with every problem
 * pushed onto `problems` (named by `label`); the restored values, or null when
 * any field was wrong.
 */
export function restoreParamState(spec: StateSpec | null, entry: unknown, param: Tensor, label: string, who: string, problems: string[]): Record<string, number | Tensor> | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${label} must be an object of fields, got ${entry === null ? 'null' : typeof entry}`);
    return null;
  }
  const before = problems.length;
  const out: Record<string, number | Tensor> = {};
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    const at = `${label}.${k}`;
    // Without a spec (an optimizer defined outside this package), a number is
    // any finite number and anything else a tensor like the parameter.
    const field: StateField | undefined = spec === null ? { kind: typeof v === 'number' ? 'number' : 'tensor' } : Object.hasOwn(spec, k) ? spec[k] : undefined;
    if (field === undefined) {
      problems.push(`${at} is not a state field of this optimizer (expected ${Object.keys(spec ?? {}).join(', ') || 'none'})`);
    } else if (field.kind === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${at} must be a finite number, got ${describe(v)}`);
      else out[k] = v;
    } else if (field.kind === 'count') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) problems.push(`${at} must be a non-negative integer, got ${describe(v)}`);
      else out[k] = v;
    } else if (!isSerializedTensor(v)) {
      problems.push(`${at} must be a serialized tensor { shape, dtype, data }, got ${describe(v)}`);
    } else {
      let t: Tensor;
      try {
        t = deserializeTensor(v, who);
      } catch (e) {
        problems.push(`${at}: ${e instanceof Error ? e.message.replace(`${who}: `, '') : String(e)}`);
        continue;
      }
      if (t.shape.length !== param.shape.length || t.shape.some((d, j) => d !== param.shape[j])) {
        problems.push(`${at} has shape ${fmtShape(t.shape)} but the parameter has shape ${fmtShape(param.shape)}`);
      } else if (t.dtype !== param.dtype) {
        problems.push(`${at} has dtype ${t.dtype} but the parameter is ${param.dtype}`);
      } else {
        const bad = firstBad(t.data, field.nonNegative === true);
        if (bad !== null) problems.push(`${at} holds ${bad.value} at element ${bad.index}; expected ${field.nonNegative === true ? 'finite values ≥ 0' : 'finite values'}`);
        else out[k] = t.to(param.device);
      }
    }
  }
  return problems.length === before ? out : null;
}

function firstBad(data: ArrayLike<number>, nonNegative: boolean): { value: number; index: number } | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v) || (nonNegative && v < 0)) return { value: v, index: i };
  }
  return null;
}

/** A value as an error message shows it. */
export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
