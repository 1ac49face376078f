import { Generator } from '@tapegrad/core';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@tapegrad/nn';

/** The architectures the demo knows. */
export type ModelName = 'mlp' | 'cnn';

/** How each model wants its input: a flat row of pixels, or a one-channel image. */
export function inputShape(name: ModelName): number[] {
  return name === 'mlp' ? [784] : [1, 28, 28];
}

/**
 * The demo's models, drawn from `seed`:
 * - mlp: 784 → 256 → ReLU → 10
 * - cnn: conv 3×3 (8) → ReLU → max-pool 2 → conv 3×3 (16) → ReLU → max-pool 2 → 784 → 10
 */
export function buildModel(name: ModelName, seed: number): Sequential {
  const generator = new Generator(seed);
  if (name === 'mlp') {
    return new Sequential(new Linear(784, 256, { generator }), new ReLU(), new Linear(256, 10, { generator }));
  }
  return new Sequential(
    new Conv2d(1, 8, 3, { padding: 1, generator }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1, generator }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 7 * 7, 10, { generator }),
  );
}
