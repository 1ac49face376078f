import { checkOptions, optionRules } from '../options.js';
import { TapegradError, fmtShape } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Tolerances of {@link assertAllClose}.
 *
 * @example
 * ```ts
 * assertAllClose(a, b, { rtol: 1e-4, atol: 1e-6 });
 * ```
 */
export interface AllCloseOptions {
  readonly rtol?: number;
  readonly atol?: number;
}

/**
 * Throws unless `actual` has `expected`'s shape and every element is within
 * `atol + rtol·|expected|` (1e-5 and 1e-8 by default); the message names the
 * worst element. `expected` may be nested arrays.
 *
 * @example
 * ```ts
 * assertAllClose(x.softmax(0), [0.25, 0.25, 0.5], { atol: 1e-6 });
 * ```
 */
export function assertAllClose(actual: Tensor, expected: Tensor | number | readonly unknown[], options: AllCloseOptions = {}): void {
  checkOptions('assertAllClose', options, { rtol: optionRules.nonNegative, atol: optionRules.nonNegative });
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  const exp = expected instanceof Tensor ? expected : tensor(expected as number, { dtype: 'float64' });
  if (!shapesEqual(actual.shape, exp.shape)) {
    throw new TapegradError(`assertAllClose: shape ${fmtShape(actual.shape)} differs from the expected ${fmtShape(exp.shape)}`);
  }
  const a = actual.to('float64').data;
  const e = exp.to('float64').data;
  for (let i = 0; i < a.length; i++) {
    const av = a[i]!;
    const ev = e[i]!;
    const same = Object.is(av, ev) || Math.abs(av - ev) <= atol + rtol * Math.abs(ev);
    if (!same) {
      throw new TapegradError(`assertAllClose: element ${i} is ${av}, expected ${ev} (|diff| ${Math.abs(av - ev)} > atol ${atol} + rtol ${rtol}·|expected|)`);
    }
  }
}
