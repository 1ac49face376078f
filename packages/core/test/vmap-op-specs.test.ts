import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vmap, type Tensor } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';
import { batchOf, loopMap, type BatchLevelPlan } from './loop-map.js';
import { opSpecs, type OpSpec } from './op-specs.js';

// vmap(f) against the loop it replaces, for every op spec: each argument
// batched at a random dim or shared (inDim null), the batch placed at a
// random dim of the output (negative dims too), one level or two nested.
const SEED = 20261127;

/** Per level and argument: a dim position (null: shared), and the output's; the batch sizes. */
const plans = (args: number, depth: number) =>
  fc.array(
    fc.record({
      size: fc.integer({ min: 1, max: 3 }),
      pos: fc.array(fc.option(fc.nat(6), { freq: 4 }), { minLength: args, maxLength: args }),
      out: fc.nat(6),
      negative: fc.boolean(),
    }),
    { minLength: depth, maxLength: depth },
  );

/** `d` written as the negative dim it equals in a tensor of `rank` dims, or as it is. */
const maybeNegative = (d: number | null, rank: number, negative: boolean): number | null => (d !== null && negative ? d - rank : d);

function check(spec: OpSpec, xs: Tensor[], plan: { size: number; pos: (number | null)[]; out: number; negative: boolean }[]): void {
  // Every level maps at least one argument.
  const levels = plan.map((p) => (p.pos.every((q) => q === null) ? { ...p, pos: [0, ...p.pos.slice(1)] } : p));
  const batches = xs.map((x, i) => batchOf(x, levels.map((l): BatchLevelPlan => ({ pos: l.pos[i]!, size: l.size }))));
  const args = batches.map((b) => b.arg);
  const outRank = spec.fn(...xs).ndim;
  let mapped = spec.fn;
  let looped = spec.fn;
  for (let depth = levels.length - 1; depth >= 0; depth--) {
    const l = levels[depth]!;
    // What this level's function sees: the argument less the outer levels' dims.
    const inDims = batches.map((b) => {
      const d = b.dims[depth]!;
      const rankHere = b.arg.ndim - b.dims.slice(0, depth).filter((x) => x !== null).length;
      return maybeNegative(d, rankHere, l.negative);
    });
    const rankOut = outRank + (levels.length - depth - 1) + 1;
    const outDim = maybeNegative(l.out % rankOut, rankOut, l.negative)!;
    mapped = vmap(mapped, { inDims, outDims: outDim });
    looped = loopMap(looped, inDims, outDim);
  }
  const expected = looped(...args);
  const actual = mapped(...args);
  expect(actual.dtype).toBe(expected.dtype);
  assertAllClose(actual, expected, { rtol: 1e-10, atol: 1e-12 });
}

describe('vmap(f) equals f looped over the examples, for every op spec', () => {
  for (const spec of opSpecs) {
    it(spec.name, () => {
      fc.assert(
        fc.property(
          spec.inputs.chain((xs) => fc.tuple(fc.constant(xs), fc.integer({ min: 1, max: 2 }).chain((depth) => plans(xs.length, depth)))),
          ([xs, plan]) => check(spec, xs, plan),
        ),
        { seed: SEED, numRuns: 25 },
      );
    });
  }
});
