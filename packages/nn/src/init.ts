import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from './option-rules.js';
import { DTypeError, ShapeError, TapegradError, defaultGenerator, noGrad, tensor, type Generator, type Tensor } from '@tapegrad/core';

/**
 * Where random initial values come from: a seeded {@link Generator} fixes a
 * model's initial weights (the global default generator otherwise).
 *
 * @example
 * ```ts
 * init.normal_(w, 0, 0.02, { generator: new Generator(42) });
 * ```
 */
export interface InitOptions {
  readonly generator?: Generator | undefined;
}

/**
 * The nonlinearities {@link calculateGain} knows, named as tapegrad's functions
 * (PyTorch's snake_case `leaky_relu` is accepted too).
 *
 * @example
 * ```ts
 * const n: Nonlinearity = 'relu';
 * ```
 */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

/**
 * Whether a Kaiming initialiser preserves the variance of the forward pass
 * (`fanIn`) or of the backward pass (`fanOut`).
 *
 * @example
 * ```ts
 * init.kaimingNormal_(w, { mode: 'fanOut' });
 * ```
 */
export type FanMode = 'fanIn' | 'fanOut';

/**
 * Options of the Kaiming initialisers: `a` is the negative slope of the
 * leaky ReLU that follows (0 for ReLU).
 *
 * @example
 * ```ts
 * init.kaimingUniform_(w, { a: Math.sqrt(5) });
 * ```
 */
export interface KaimingOptions extends InitOptions {
  readonly a?: number;
  readonly mode?: FanMode;
  readonly nonlinearity?: Nonlinearity;
}

/**
 * Options of the Xavier and orthogonal initialisers: a scale factor.
 *
 * @example
 * ```ts
 * init.xavierUniform_(w, { gain: init.calculateGain('tanh') });
 * ```
 */
export interface GainOptions extends InitOptions {
  readonly gain?: number;
}

/**
 * The recommended gain for a nonlinearity, as PyTorch: 1 for linear, conv and
 * sigmoid, 5/3 for tanh, √2 for ReLU, √(2/(1+slope²)) for leaky ReLU (slope
 * `param`, 0.01 by default), 3/4 for SELU.
 *
 * @example
 * ```ts
 * calculateGain('relu'); // 1.4142135623730951
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new TapegradError(`calculateGain: negative slope ${slope} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new TapegradError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * `[fanIn, fanOut]` of a weight of shape `[out, in, ...kernel]`: `in·k` and
 * `out·k` where `k` is the product of the kernel sizes.
 *
 * @example
 * ```ts
 * calculateFanInAndFanOut(zeros([16, 3, 5, 5])); // [75, 400]
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): [fanIn: number, fanOut: number] {
  if (t.ndim < 2) {
    throw new ShapeError(`calculateFanInAndFanOut: fan in and fan out need a tensor of at least 2 dims, got shape [${t.shape.join(', ')}]`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function checkFloat(op: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: can only initialise a float tensor, got ${t.dtype}`);
}

function generatorOnly(options: InitOptions): InitOptions {
  return options.generator === undefined ? {} : { generator: options.generator };
}

/**
 * `n` draws of `draw` from the generator of `options`, as float64 numbers on
 * the host: initial values are computed in float64 and rounded once to the
 * tensor's dtype, whatever device the tensor lives on (a GPU holds no float64).
 */
function draws(n: number, options: InitOptions, draw: (g: Generator) => number): Float64Array {
  const g = options.generator ?? defaultGenerator;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = draw(g);
  return out;
}

/** `values` (float64) written into `t`, rounded once to its dtype. */
function fillWith<T extends Tensor>(t: T, values: Float64Array): T {
  const data = t.dtype === 'float64' ? values : Float32Array.from(values);
  return fill(t, tensor(data, { shape: [...t.shape], device: t.device }));
}

/** Writes `values` into `t` in place, without recording, and returns `t`. */
function fill<T extends Tensor>(t: T, values: Tensor): T {
  return noGrad(() => t.copy_(values));
}

/**
 * Fills `t` in place with values drawn from U(a, b); returns `t`.
 *
 * @example
 * ```ts
 * init.uniform_(w, -0.1, 0.1, { generator: new Generator(0) });
 * ```
 */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1, options: InitOptions = {}): T {
  checkOptions('init.uniform_', options, nnOptionRules.init);
  checkFloat('uniform_', t);
  if (!(b >= a)) throw new TapegradError(`uniform_: the upper bound ${b} must not be below the lower bound ${a}`);
  return fillWith(t, draws(t.numel, options, (g) => g.nextFloat()).map((r) => r * (b - a) + a));
}

/**
 * Fills `t` in place with values drawn from N(mean, std²); returns `t`.
 *
 * @example
 * ```ts
 * init.normal_(w, 0, 0.02);
 * ```
 */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1, options: InitOptions = {}): T {
  checkOptions('init.normal_', options, nnOptionRules.init);
  checkFloat('normal_', t);
  if (!(std >= 0)) throw new TapegradError(`normal_: std must be non-negative, got ${std}`);
  return fillWith(t, draws(t.numel, options, (g) => g.nextNormal()).map((r) => r * std + mean));
}

/**
 * Fills `t` in place with `value`; returns `t`.
 *
 * @example
 * ```ts
 * init.constant_(bias, 0.1);
 * ```
 */
export function constant_<T extends Tensor>(t: T, value: number): T {
  return noGrad(() => t.fill_(value));
}

/**
 * Fills `t` in place with zeros; returns `t`.
 *
 * @example
 * ```ts
 * init.zeros_(bias);
 * ```
 */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/**
 * Fills `t` in place with ones; returns `t`.
 *
 * @example
 * ```ts
 * init.ones_(gamma);
 * ```
 */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/**
 * Glorot/Xavier uniform: U(−a, a) with `a = gain·√(6/(fanIn+fanOut))`; returns `t`.
 *
 * @example
 * ```ts
 * init.xavierUniform_(w);
 * ```
 */
export function xavierUniform_<T extends Tensor>(t: T, options: GainOptions = {}): T {
  checkOptions('init.xavierUniform_', options, nnOptionRules.gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(t, -a, a, generatorOnly(options));
}

/**
 * Glorot/Xavier normal: N(0, std²) with `std = gain·√(2/(fanIn+fanOut))`; returns `t`.
 *
 * @example
 * ```ts
 * init.xavierNormal_(w);
 * ```
 */
export function xavierNormal_<T extends Tensor>(t: T, options: GainOptions = {}): T {
  checkOptions('init.xavierNormal_', options, nnOptionRules.gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, 0, std, generatorOnly(options));
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new TapegradError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new ShapeError(`${op}: cannot initialise a tensor of shape [${t.shape.join(', ')}], its ${mode} is 0`);
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−bound, bound) with `bound = gain·√(3/fan)`, the
 * gain of `nonlinearity` (leaky ReLU with slope `a` by default); returns `t`.
 * With `a = √5` this is PyTorch's default for Linear: U(±1/√fanIn).
 *
 * @example
 * ```ts
 * init.kaimingUniform_(w, { nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  checkOptions('init.kaimingUniform_', options, nnOptionRules.kaiming);
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound, generatorOnly(options));
}

/**
 * He/Kaiming normal: N(0, std²) with `std = gain/√fan`; returns `t`.
 *
 * @example
 * ```ts
 * init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal_<T extends Tensor>(t: T, options: KaimingOptions = {}): T {
  checkOptions('init.kaimingNormal_', options, nnOptionRules.kaiming);
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options), generatorOnly(options));
}

/**
 * Fills `t` (at least 2-D, seen as `[rows, numel/rows]`) with a (semi-)orthogonal
 * matrix times `gain`: the Q of the QR decomposition of a normal matrix, with
 * signs fixed by R's diagonal so that it is uniformly distributed; returns `t`.
 *
 * @example
 * ```ts
 * const w = init.orthogonal_(zeros([4, 4]));
 * w.matmul(w.mT); // ≈ eye(4)
 * ```
 */
export function orthogonal_<T extends Tensor>(t: T, options: GainOptions = {}): T {
  checkOptions('init.orthogonal_', options, nnOptionRules.gain);
  checkFloat('orthogonal_', t);
  if (t.ndim < 2) throw new ShapeError(`orthogonal_: needs a tensor of at least 2 dims, got shape [${t.shape.join(', ')}]`);
  const rows = t.shape[0]!;
  const cols = t.numel / rows;
  if (t.numel === 0) return t;
  // Work on a tall matrix m×n (m ≥ n), transposing back at the end.
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = draws(m * n, options, (g) => g.nextNormal());
  const q = householderQ(a, m, n);
  const out = new Float64Array(rows * cols);
  const gain = options.gain ?? 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = q[i * n + j]! * gain;
      if (tall) out[i * n + j] = v;
      else out[j * m + i] = v;
    }
  }
  return fillWith(t, out);
}

/**
 * The first n columns of Q (m×n, row-major) of the QR decomposition of the
 * m×n matrix `a` by Householder reflections, with Q's columns multiplied by
 * the signs of R's diagonal (so that R has a positive diagonal).
 */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k]!;
    // NOTE: reflect onto −sign(x0)·‖x‖ so that v = x + sign(x0)‖x‖e₁ never cancels.
    const alpha = x0 >= 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k] = x0 - alpha;
    let vnorm2 = 0;
    for (let i = k; i < m; i++) vnorm2 += v[i]! ** 2;
    if (vnorm2 > 0) {
      for (let j = k; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i]! * r[i * n + j]!;
        const f = (2 * dot) / vnorm2;
        for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - f * v[i]!;
      }
    }
    vs.push(v);
    signs[k] = r[k * n + k]! < 0 ? -1 : 1;
  }
  // Q = H₀ H₁ … H_{n−1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    let vnorm2 = 0;
    for (let i = k; i < m; i++) vnorm2 += v[i]! ** 2;
    if (vnorm2 === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * q[i * n + j]!;
      const f = (2 * dot) / vnorm2;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - f * v[i]!;
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! * signs[j]!;
  return q;
}
