import { Generator, manualSeed, noGrad, stack, tensor, type Device, type Tensor } from '@tapegrad/core';
import { DataLoader, TensorDataset } from '@tapegrad/data';
import { crossEntropy, type Sequential } from '@tapegrad/nn';
import { Adam, CosineAnnealingLR, GD, SGD, type Optimizer } from '@tapegrad/optim';
import { PIXEL_MEAN, PIXEL_STD, batchOf, type DigitSet } from './data.js';
import { inputShape, type ModelName } from './models.js';
import { ProgressBar, type ProgressSink } from './progress.js';

/** Hyperparameters of one training run. */
export interface TrainConfig {
  readonly model: ModelName;
  readonly optimizer: 'gd' | 'sgd' | 'adam';
  readonly lr: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly maxSteps: number | undefined;
  /** Where the model is and trains; batches are moved there. */
  readonly device: Device;
}

/** What training leaves behind for the report. */
export interface TrainHistory {
  readonly loss: number[];
  readonly accuracy: number[];
  readonly epochs: { step: number; testAccuracy: number }[];
  samplesPerSecond: number;
  /** The test-set predictions after the last epoch. */
  predictions: Int32Array;
}

/** The default learning rate of each optimizer, tuned for this demo. */
export const DEFAULT_LR = { adam: 3e-3, sgd: 0.05, gd: 0.1 } as const;

function makeOptimizer(name: TrainConfig['optimizer'], params: Tensor[], lr: number): Optimizer {
  if (name === 'adam') return new Adam(params, { lr });
  if (name === 'sgd') return new SGD(params, { lr, momentum: 0.9 });
  return new GD(params, { lr });
}

/**
 * The predicted class of each test digit, in fixed chunks so that a reloaded
 * model reproduces it exactly, computed on the model's device (`device`).
 */
export async function predict(model: Sequential, name: ModelName, set: DigitSet, device: Device): Promise<Int32Array> {
  const out = new Int32Array(set.length);
  const chunk = 500;
  model.eval();
  const pending: Promise<void>[] = [];
  for (let start = 0; start < set.length; start += chunk) {
    const idx = Array.from({ length: Math.min(chunk, set.length - start) }, (_, i) => start + i);
    const { x } = batchOf(set, idx, inputShape(name));
    const classes = noGrad(() => model.forward(x.to(device)).argmax(1));
    // Read asynchronously: on the GPU the chunks are queued before the first read waits.
    pending.push(classes.dataAsync().then((d) => out.set(d as Int32Array, start)));
  }
  await Promise.all(pending);
  model.train();
  return out;
}

/** Share of `predictions` equal to the labels. */
export function accuracyOf(predictions: Int32Array, set: DigitSet): number {
  let right = 0;
  for (let i = 0; i < set.length; i++) if (predictions[i] === set.labels[i]) right++;
  return right / set.length;
}

/**
 * How many steps run between reads of the losses: a read waits for the
 * device to finish its queue, which on a GPU stalls it. On the CPU every
 * step is read.
 */
const READ_EVERY = { cpu: 1, webgpu: 20 } as const;

/**
 * Trains `model` (on `config.device`) with mini-batches drawn in a seeded
 * order, the learning rate annealed along a cosine to zero over the run, and
 * measures test accuracy after each epoch.
 */
export async function train(model: Sequential, config: TrainConfig, train: DigitSet, test: DigitSet, progress: ProgressSink): Promise<TrainHistory> {
  manualSeed(config.seed);
  const params = model.parameters();
  const optimizer = makeOptimizer(config.optimizer, params, config.lr);
  const stepsPerEpoch = Math.ceil(train.length / config.batchSize);
  const totalSteps = Math.min(config.maxSteps ?? Infinity, stepsPerEpoch * config.epochs);
  // The learning rate falls along a cosine to zero over the run, one scheduler step per batch.
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: totalSteps });
  // The training images, standardised once, in a loader that draws a seeded order each epoch.
  const images = new Float32Array(train.images.length);
  for (let i = 0; i < images.length; i++) images[i] = (train.images[i]! - PIXEL_MEAN) / PIXEL_STD;
  const dataset = new TensorDataset(tensor(images, { shape: [train.length, ...inputShape(config.model)] }), tensor(train.labels));
  const loader = new DataLoader(dataset, { batchSize: config.batchSize, shuffle: true, generator: new Generator(config.seed + 1) });
  const history: TrainHistory = { loss: [], accuracy: [], epochs: [], samplesPerSecond: 0, predictions: new Int32Array(0) };
  let step = 0;
  let samples = 0;
  const start = performance.now();
  for (let epoch = 1; epoch <= config.epochs && step < totalSteps; epoch++) {
    const steps = Math.min(stepsPerEpoch, totalSteps - step);
    const bar = new ProgressBar(progress, `epoch ${epoch}/${config.epochs}`);
    let epochSamples = 0;
    let epochLoss = 0;
    let epochRight = 0;
    let s = 0;
    // The losses and counts of correct answers of the steps not read yet, kept on the device.
    let losses: Tensor[] = [];
    let rights: Tensor[] = [];
    let sizes: number[] = [];
    const read = async (): Promise<void> => {
      const [lossValues, rightValues] = await Promise.all([stack(losses).dataAsync(), stack(rights).dataAsync()]);
      sizes.forEach((n, k) => {
        history.loss.push(lossValues[k]!);
        history.accuracy.push(rightValues[k]! / n);
        epochLoss += lossValues[k]! * n;
        epochRight += rightValues[k]!;
      });
      [losses, rights, sizes] = [[], [], []];
      bar.update({ step: s, steps, loss: epochLoss / epochSamples, accuracy: epochRight / epochSamples, samples: epochSamples });
    };
    for (const [xb, yb] of loader) {
      if (s === steps) break;
      const x = xb.to(config.device);
      const y = yb.to(config.device);
      // The three moves of training: forward, backward, step.
      const logits = model.forward(x);
      const loss = crossEntropy(logits, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      scheduler.step();

      const n = y.shape[0]!;
      losses.push(loss.detach());
      rights.push(logits.detach().argmax(1).eq(y).sum());
      sizes.push(n);
      step++;
      samples += n;
      epochSamples += n;
      s++;
      if (sizes.length === READ_EVERY[config.device] || s === steps) await read();
    }
    history.predictions = await predict(model, config.model, test, config.device);
    const testAccuracy = accuracyOf(history.predictions, test);
    history.epochs.push({ step, testAccuracy });
    bar.done(`test accuracy ${(testAccuracy * 100).toFixed(2)}%`);
  }
  history.samplesPerSecond = samples / ((performance.now() - start) / 1000);
  return history;
}
