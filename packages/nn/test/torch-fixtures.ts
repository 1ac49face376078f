import { readFileSync } from 'node:fs';
import { tensor, type Tensor } from '@tapegrad/core';
import type { StateDict } from '@tapegrad/nn';

/** A tensor as make-layer-fixtures.py writes it: shape and row-major data, float64 unless dtype says otherwise. */
export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
  readonly dtype?: 'int32' | 'bool';
}

/** One case of a fixture file: settings (numbers, strings, lists) and tensors. */
export type FixtureCase = Record<string, unknown>;

/**
 * The cases of one fixture file written by fixtures/make-layer-fixtures.py:
 * numbers PyTorch produced, read as they were written.
 */
export function loadFixtures(name: string): Record<string, FixtureCase> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, FixtureCase>;
}

const isFixtureTensor = (v: unknown): v is FixtureTensor => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;

/** The tensor stored under `key` (float64, int32 or bool), or undefined when the case has none. */
export function fixtureTensor(c: FixtureCase, key: string): Tensor | undefined {
  const v = c[key];
  if (v === undefined || v === null) return undefined;
  if (!isFixtureTensor(v)) throw new Error(`fixture field ${key} is not a tensor`);
  const dtype = v.dtype ?? 'float64';
  return tensor(dtype === 'bool' ? v.data.map((b) => b !== 0) : v.data, { dtype, shape: v.shape });
}

/** The tensor under `key`, which the case must have. */
export function need(c: FixtureCase, key: string): Tensor {
  const t = fixtureTensor(c, key);
  if (t === undefined) throw new Error(`fixture has no tensor ${key}`);
  return t;
}

/** A stored PyTorch state dict, under PyTorch's names. */
export function fixtureState(c: FixtureCase, key = 'state'): StateDict {
  const raw = c[key] as Record<string, FixtureTensor>;
  return Object.fromEntries(Object.keys(raw).map((k) => [k, need(raw, k)]));
}
