import type { Generator } from '@tapegrad/core';

/**
 * Options shared by layers with weights: whether to add a bias, the float
 * dtype of the parameters, and the generator that draws their initial values
 * (a seeded one fixes the model's initial weights).
 *
 * @example
 * ```ts
 * new Linear(4, 2, { bias: false, dtype: 'float64', generator: new Generator(0) });
 * ```
 */
export interface LayerOptions {
  readonly bias?: boolean;
  readonly dtype?: 'float32' | 'float64';
  readonly generator?: Generator | undefined;
}

/** The generator of a layer's options, alone, as `resetParameters` takes it. */
export function generatorOf(options: Pick<LayerOptions, 'generator'>): Pick<LayerOptions, 'generator'> {
  return options.generator === undefined ? {} : { generator: options.generator };
}
