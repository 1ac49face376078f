import { ARRAY_TYPES, DTYPES, assertDType, dtypeOfArray, type DType, type TypedArray } from '../dtype.js';
import { DTypeError, ShapeError, TapegradError, fmtShape } from '../errors.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkOptions, optionRules, type OptionRules } from '../options.js';
import { checkShape, numelOf, type Shape } from '../shape.js';
import type { Device } from '../backend/active-backend.js';
import type { Tensor } from './tensor.js';
import { fromArray } from './make.js';
import { activeLevels } from '../primitives/batching.js';

/**
 * Options for creating a tensor: its dtype, whether it requires grad, and
 * its device (the default device, see `setDefaultDevice`, unless given; the
 * `…Like` functions default to their model tensor's device, as PyTorch's).
 *
 * @example
 * ```ts
 * zeros([2], { dtype: 'float64', requiresGrad: true });
 * randn([64, 784], { device: 'webgpu' });
 * ```
 */
export interface TensorOptions {
  readonly dtype?: DType;
  readonly requiresGrad?: boolean;
  readonly device?: Device;
}

/**
 * Options for random tensors: a generator to draw from (the default one otherwise).
 *
 * @example
 * ```ts
 * randn([3], { generator: new Generator(1) });
 * ```
 */
export interface RandomOptions extends TensorOptions {
  readonly generator?: Generator;
}

/**
 * Nested arrays of numbers or booleans, as `tensor` accepts them.
 *
 * @example
 * ```ts
 * const data: NestedInput = [[1, 2], [3, 4]];
 * ```
 */
export type NestedInput = number | boolean | readonly NestedInput[];

/**
 * Typed arrays `tensor` accepts besides the storage types: their values fit
 * int32 exactly, so they become int32 tensors.
 *
 * @example
 * ```ts
 * tensor(new Int16Array([5, -3, 0])).dtype; // 'int32'
 * ```
 */
export type SmallIntArray = Int8Array | Int16Array | Uint16Array | Uint8ClampedArray;

/** The dtype a typed array becomes, or an error naming it and what tapegrad has. */
function dtypeOfInput(data: ArrayBufferView): DType {
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array) {
    return dtypeOfArray(data);
  }
  if (data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint16Array || data instanceof Uint8ClampedArray) return 'int32';
  const name = data.constructor.name;
  throw new DTypeError(
    `tensor: a ${name} has no tapegrad dtype (tapegrad has ${DTYPES.join(', ')}); pass a Float32Array, Float64Array, Int32Array, ` +
      `Uint8Array (bool) or Int8/Int16/Uint16/Uint8Clamped (read as int32)` +
      (name === 'Uint32Array' ? ', or convert to Float64Array, which holds every uint32 exactly' : ''),
  );
}

/** Largest element count a creation function allocates: what a typed array and the wasm heap can index. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Storage for `n` elements of `dtype` for `op`: a count beyond what a typed
 * array can hold, or memory the engine refuses, is a ShapeError naming the
 * op, the shape and the count rather than the engine's RangeError.
 */
function allocateFor(op: string, dtype: DType, shape: Shape): TypedArray {
  const n = numelOf(shape);
  // NOTE: the message is built only when it is thrown: toLocaleString costs tens of microseconds.
  const what = (): string => `${op}: shape ${fmtShape(shape)} has ${n.toLocaleString('en-US')} elements`;
  if (n > MAX_ELEMENTS) throw new ShapeError(`${what()}, more than the ${MAX_ELEMENTS.toLocaleString('en-US')} a tensor can hold`);
  try {
    return new ARRAY_TYPES[dtype](n);
  } catch (e) {
    if (e instanceof RangeError) throw new ShapeError(`${what()} of ${dtype}: could not allocate them (${e.message})`);
    throw e;
  }
}

// A device name is a string; which devices have a backend is checked where the tensor is made.
const deviceRule = { expected: "a device name ('cpu' or 'webgpu')", test: (v: unknown) => typeof v === 'string' };
const tensorOptionRules: OptionRules = { dtype: optionRules.dtype, requiresGrad: optionRules.boolean, device: deviceRule };
const tensorDataOptionRules: OptionRules = { ...tensorOptionRules, shape: optionRules.intOrInts };
const randomOptionRules: OptionRules = { ...tensorOptionRules, generator: optionRules.generator };

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferShape(data: NestedInput): number[] {
  const shape: number[] = [];
  let cur: NestedInput = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedInput;
  }
  return shape;
}

function flatten(data: NestedInput, shape: readonly number[], out: (number | boolean)[], depth: number): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new ShapeError(`tensor: nested arrays are ragged: expected a number at depth ${depth}, found an array`);
    out.push(data as number | boolean);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(`tensor: nested arrays are ragged: expected length ${shape[depth]} at depth ${depth}, shape inferred from the first elements is ${fmtShape(shape)}`);
  }
  for (const d of data as readonly NestedInput[]) flatten(d, shape, out, depth + 1);
}

/**
 * Creates a tensor from nested arrays, a number (0-d), or a typed array with a
 * `shape`. Numbers become float32 unless `dtype` says otherwise (JavaScript has
 * no integer literals), booleans become bool, a typed array keeps its type.
 * The data is copied.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);
 * tensor(3.5);
 * tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
 * ```
 */
export function tensor(data: NestedInput | TypedArray | SmallIntArray, opts: TensorOptions & { readonly shape?: Shape } = {}): Tensor {
  checkOptions('tensor', opts, tensorDataOptionRules);
  if (opts.dtype !== undefined) assertDType(opts.dtype, 'tensor');
  if (ArrayBuffer.isView(data)) {
    // A copy: the caller may reuse its array, and a tensor's shape never changes.
    const shape = opts.shape !== undefined ? [...opts.shape] : [data.length];
    checkShape('tensor', shape);
    if (numelOf(shape) !== data.length) {
      throw new ShapeError(`tensor: shape ${fmtShape(shape)} holds ${numelOf(shape)} elements but the typed array has ${data.length}`);
    }
    const dtype = opts.dtype ?? dtypeOfInput(data);
    if (opts.dtype !== undefined) dtypeOfInput(data);
    const out = allocateFor('tensor', dtype, shape);
    // bool storage holds 0 or 1 only: the kernels compare and print it as such.
    if (dtype === 'bool') for (let i = 0; i < data.length; i++) out[i] = data[i] ? 1 : 0;
    else for (let i = 0; i < data.length; i++) out[i] = data[i]!;
    return finish(fromArray(out, shape, dtype, opts.device, 'tensor'), opts);
  }
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, shape, flat, 0);
  if (opts.shape !== undefined && numelOf(opts.shape) !== flat.length) {
    throw new ShapeError(`tensor: shape ${fmtShape(opts.shape)} does not hold the ${flat.length} elements given`);
  }
  const isBool = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  for (const v of flat) {
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new DTypeError(`tensor: elements must be numbers or booleans, got ${typeof v}`);
  }
  const dtype = opts.dtype ?? (isBool ? 'bool' : 'float32');
  const out = new ARRAY_TYPES[dtype](flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = dtype === 'bool' ? (flat[i] ? 1 : 0) : Number(flat[i]);
  return finish(fromArray(out, opts.shape !== undefined ? [...opts.shape] : shape, dtype, opts.device, 'tensor'), opts);
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * full([2, 2], 7);
 * ```
 */
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkOptions('full', opts, tensorOptionRules);
  return filled('full', shape, value, opts);
}

/** `full` under the name of the function the user called, for its error messages. */
function filled(op: string, shape: Shape, value: number, opts: TensorOptions): Tensor {
  checkShape(op, shape);
  const dtype = opts.dtype ?? 'float32';
  const data = allocateFor(op, dtype, shape);
  if (value !== 0) data.fill(dtype === 'bool' ? Number(Boolean(value)) : value);
  return finish(fromArray(data, shape.slice(), dtype, opts.device, op), opts);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * zeros([2, 3]);
 * ```
 */
export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  checkOptions('zeros', opts, tensorOptionRules);
  return filled('zeros', shape, 0, opts);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * ones([3], { dtype: 'int32' });
 * ```
 */
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  checkOptions('ones', opts, tensorOptionRules);
  return filled('ones', shape, 1, opts);
}

/**
 * A tensor whose values do not matter (zeros here: fresh memory is zeroed).
 *
 * @example
 * ```ts
 * empty([4]);
 * ```
 */
export function empty(shape: Shape, opts: TensorOptions = {}): Tensor {
  checkOptions('empty', opts, tensorOptionRules);
  return filled('empty', shape, 0, opts);
}

/**
 * Like {@link full}, with the shape, dtype and device of `t` unless given.
 *
 * @example
 * ```ts
 * fullLike(x, 0.5);
 * ```
 */
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  checkOptions('fullLike', opts, tensorOptionRules);
  return full(t.shape, value, { ...opts, dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device });
}

/** Zeros shaped like `t`. @example `zerosLike(x)` */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkOptions('zerosLike', opts, tensorOptionRules);
  return fullLike(t, 0, opts);
}

/** Ones shaped like `t`. @example `onesLike(x)` */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkOptions('onesLike', opts, tensorOptionRules);
  return fullLike(t, 1, opts);
}

/** An uninitialised (zeroed) tensor shaped like `t`. @example `emptyLike(x)` */
export function emptyLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  checkOptions('emptyLike', opts, tensorOptionRules);
  return fullLike(t, 0, opts);
}

/**
 * Values from `start` up to (not including) `end` by `step`; with one
 * number, from 0 to it. float32 unless given a dtype; the options may follow
 * any of the numbers.
 *
 * @example
 * ```ts
 * arange(5); // [0, 1, 2, 3, 4]
 * arange(5, { dtype: 'int32' });
 * arange(1, 2, 0.25);
 * ```
 */
export function arange(end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, opts?: TensorOptions): Tensor;
export function arange(start: number, end: number, step: number, opts?: TensorOptions): Tensor;
export function arange(...args: (number | TensorOptions | undefined)[]): Tensor {
  const nums = args.filter((a): a is number => typeof a === 'number');
  const opts = args.find((a): a is TensorOptions => typeof a === 'object' && a !== null) ?? {};
  checkOptions('arange', opts, tensorOptionRules);
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (nums.length === 0 || !nums.every(Number.isFinite)) throw new TapegradError(`arange: expected finite numbers (end, or start, end[, step]), got ${nums.join(', ')}`);
  if (step === 0) throw new TapegradError(`arange: step must be a finite non-zero number, got ${step}`);
  if ((end - start) / step < 0) throw new TapegradError(`arange: the range [${start}, ${end}) is empty for step ${step}`);
  const n = Math.ceil((end - start) / step);
  const dtype = opts.dtype ?? 'float32';
  const data = allocateFor('arange', dtype, [n]);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(fromArray(data, [n], dtype, opts.device, 'arange'), opts);
}

/**
 * `steps` values evenly spaced from `start` to `end`, both included.
 *
 * @example
 * ```ts
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkOptions('linspace', opts, tensorOptionRules);
  if (!Number.isInteger(steps) || steps < 0) throw new TapegradError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = opts.dtype ?? 'float32';
  const data = allocateFor('linspace', dtype, [steps]);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = i === steps - 1 && steps > 1 ? end : start + i * delta;
  return finish(fromArray(data, [steps], dtype, opts.device, 'linspace'), opts);
}

/**
 * The `n × m` identity matrix (`m = n` by default).
 *
 * @example
 * ```ts
 * eye(3);
 * ```
 */
export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  checkOptions('eye', opts, tensorOptionRules);
  checkShape('eye', [n, m]);
  const dtype = opts.dtype ?? 'float32';
  const data = allocateFor('eye', dtype, [n, m]);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(fromArray(data, [n, m], dtype, opts.device, 'eye'), opts);
}

/** A random draw, which inside vmap follows the vmap's `randomness`. */
function randomly(op: string, draw: () => Tensor): Tensor {
  const levels = activeLevels();
  return levels.length === 0 ? draw() : levels[levels.length - 1]!.hooks.random(op, draw);
}

function randomFill(op: string, shape: Shape, opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  checkShape(op, shape);
  const dtype = opts.dtype ?? 'float32';
  const g = opts.generator ?? defaultGenerator;
  return randomly(op, () => {
    const data = allocateFor(op, dtype, shape);
    for (let i = 0; i < data.length; i++) data[i] = draw(g);
    return finish(fromArray(data, shape.slice(), dtype, opts.device, op), opts);
  });
}

/**
 * Uniform samples in [0, 1).
 *
 * @example
 * ```ts
 * rand([2, 2], { generator: new Generator(0) });
 * ```
 */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkOptions('rand', opts, randomOptionRules);
  return randomFill('rand', shape, opts, (g) => g.nextFloat());
}

/**
 * Standard normal samples.
 *
 * @example
 * ```ts
 * randn([3, 4]);
 * ```
 */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkOptions('randn', opts, randomOptionRules);
  return randomFill('randn', shape, opts, (g) => g.nextNormal());
}

/**
 * Uniform integers in [low, high), int32 by default.
 *
 * @example
 * ```ts
 * randint(0, 10, [5]);
 * ```
 */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  checkOptions('randint', opts, randomOptionRules);
  if (!(high > low)) throw new TapegradError(`randint: high (${high}) must be greater than low (${low})`);
  return randomFill('randint', shape, { ...opts, dtype: opts.dtype ?? 'int32' }, (g) => g.nextInt(low, high));
}

/** Uniform samples shaped like `t`. @example `randLike(x)` */
export function randLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  checkOptions('randLike', opts, randomOptionRules);
  return rand(t.shape, { ...opts, dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device });
}

/** Normal samples shaped like `t`. @example `randnLike(x)` */
export function randnLike(t: Tensor, opts: RandomOptions = {}): Tensor {
  checkOptions('randnLike', opts, randomOptionRules);
  return randn(t.shape, { ...opts, dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device });
}

/**
 * A random permutation of `0..n-1` (int32).
 *
 * @example
 * ```ts
 * randperm(5, { generator: g });
 * ```
 */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  checkOptions('randperm', opts, randomOptionRules);
  checkShape('randperm', [n]);
  const g = opts.generator ?? defaultGenerator;
  return randomly('randperm', () => {
    const data = allocateFor('randperm', 'int32', [n]);
    for (let i = 0; i < n; i++) data[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = g.nextInt(0, i + 1);
      const t = data[i]!;
      data[i] = data[j]!;
      data[j] = t;
    }
    return fromArray(data, [n], 'int32', opts.device, 'randperm');
  });
}
