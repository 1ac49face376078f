import { createRequire } from 'node:module';
import { tensor, type Tensor } from '@tapegrad/core';

/** Side of a square MNIST digit. */
export const SIDE = 28;
/** Pixels per digit. */
export const PIXELS = SIDE * SIDE;

/** Digits as rows of `PIXELS` grey levels in [0, 1], with their labels. */
export interface DigitSet {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly length: number;
}

/** The 8,000 training digits and 2,000 test digits, always the same split. */
export interface Mnist {
  readonly train: DigitSet;
  readonly test: DigitSet;
}

interface MnistDigit {
  readonly raw: readonly number[];
  readonly length: number;
}

/** The seed of the train/test split: fixed, so that every run and `--eval` see the same test set. */
const SPLIT_SEED = 20_17;
export const TRAIN_SIZE = 8_000;

/** A small seeded generator (mulberry32) for the train/test split, independent of tapegrad's own. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `0..n-1` with `random`. */
export function permutation(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

function subset(images: Float32Array, labels: Int32Array, order: Int32Array): DigitSet {
  const out = new Float32Array(order.length * PIXELS);
  const outLabels = new Int32Array(order.length);
  order.forEach((src, dst) => {
    out.set(images.subarray(src * PIXELS, (src + 1) * PIXELS), dst * PIXELS);
    outLabels[dst] = labels[src]!;
  });
  return { images: out, labels: outLabels, length: order.length };
}

let cached: Mnist | undefined;

/**
 * Loads the 10,000 real MNIST digits that the `mnist` package ships (no
 * download) and splits them 8,000 / 2,000 with a fixed seed.
 */
export function loadMnist(): Mnist {
  if (cached !== undefined) return cached;
  // The package is CommonJS and its own `set()` shuffles with Math.random, so
  // read the raw digit arrays and split them ourselves, reproducibly.
  const digits = createRequire(import.meta.url)('mnist') as readonly MnistDigit[];
  let total = 0;
  for (let d = 0; d < 10; d++) total += digits[d]!.length;
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const digit = digits[d]!;
    images.set(digit.raw.slice(0, digit.length * PIXELS), row * PIXELS);
    labels.fill(d, row, row + digit.length);
    row += digit.length;
  }
  const order = permutation(total, mulberry32(SPLIT_SEED));
  cached = {
    train: subset(images, labels, order.subarray(0, TRAIN_SIZE)),
    test: subset(images, labels, order.subarray(TRAIN_SIZE)),
  };
  return cached;
}

/** The first `n` digits of `set` (all of them when `n` is undefined or larger). */
export function firstDigits(set: DigitSet, n: number | undefined): DigitSet {
  if (n === undefined || n >= set.length) return set;
  return { images: set.images.subarray(0, n * PIXELS), labels: set.labels.subarray(0, n), length: n };
}

/** Mean and standard deviation of MNIST's pixels: inputs are standardised with them. */
export const PIXEL_MEAN = 0.1307;
export const PIXEL_STD = 0.3081;

/**
 * Images `indices` of `set`, standardised, as a float32 tensor of
 * `[n, ...imageShape]`, and their labels as int32.
 */
export function batchOf(set: DigitSet, indices: ArrayLike<number>, imageShape: readonly number[]): { x: Tensor; y: Tensor } {
  const n = indices.length;
  const xs = new Float32Array(n * PIXELS);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i]!;
    for (let p = 0; p < PIXELS; p++) xs[i * PIXELS + p] = (set.images[src * PIXELS + p]! - PIXEL_MEAN) / PIXEL_STD;
    ys[i] = set.labels[src]!;
  }
  return { x: tensor(xs, { shape: [n, ...imageShape] }), y: tensor(ys, { shape: [n] }) };
}
