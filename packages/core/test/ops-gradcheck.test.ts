import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { opSpecs } from './op-specs.js';

// Fixed seed: failures reproduce; fast-check prints the shrunk counterexample.
const SEED = 20261127;

describe('every differentiable op matches central finite differences in float64', () => {
  for (const spec of opSpecs.filter((s) => s.differentiable !== false)) {
    it(spec.name, () => {
      fc.assert(
        fc.property(spec.inputs, (xs) => {
          xs.forEach((x) => x.dtype === 'float64' && x.requiresGrad_(true));
          gradcheck(spec.fn, xs);
        }),
        { seed: SEED, numRuns: 40 },
      );
    });
  }
});

describe('second derivatives of a sample of ops', () => {
  for (const spec of opSpecs.filter((s) => s.differentiable !== false && s.gradgrad)) {
    it(spec.name, () => {
      fc.assert(
        fc.property(spec.inputs, (xs) => {
          xs.forEach((x) => x.dtype === 'float64' && x.requiresGrad_(true));
          gradgradcheck(spec.fn, xs);
        }),
        { seed: SEED, numRuns: 8 },
      );
    });
  }
});
