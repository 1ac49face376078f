import type { Device } from '../backend/active-backend.js';
import { isFloating, type DType, type TypedArray } from '../dtype.js';
import { AutogradError, DTypeError, ShapeError, TapegradError, fmtShape } from '../errors.js';
import { backward, type BackwardOptions } from '../autograd/backward.js';
import { formatTensor, nestedOf, toNested, type NestedArray } from './format.js';
import { denoInspect, nodeInspect, tensorBrand } from './brand.js';
import * as dm from '../ops/device-move.js';
import * as ew from '../ops/elementwise.js';
import * as idx from '../ops/indexing.js';
import * as inplace from '../ops/inplace.js';
import * as la from '../ops/linalg.js';
import * as mv from '../ops/movement.js';
import * as pd from '../ops/pad.js';
import type { PadMode } from '../ops/pad.js';
import * as red from '../ops/reduce.js';
import * as win from '../ops/unfold.js';
import type { Shape } from '../shape.js';
import type { Storage } from './storage.js';
import type { GradHook, TapeNode } from '../autograd/tape-node.js';
import { replayedGradFn, type ViewInfo } from '../autograd/views.js';

/**
 * A tensor or a plain number where an op accepts either.
 *
 * @example
 * ```ts
 * const scale: TensorLike = 0.5;
 * x.mul(scale);
 * ```
 */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array of one dtype, recorded on the tape when it requires
 * grad. Views (reshape, permute, slice, expand…) share storage with the
 * tensor they come from. Memory is the garbage collector's: nothing to dispose.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad?.toArray(); // [[2, 4], [6, 8]]
 * ```
 */
export class Tensor {
  /** @internal */ readonly storage: Storage;
  /** Size of each dimension. */
  readonly shape: Shape;
  /** Elements to step in storage for one step along each dimension. */
  readonly strides: readonly number[];
  /** Position of the first element in storage. */
  readonly offset: number;
  /** Element type. */
  readonly dtype: DType;
  /** Accumulated gradient of a leaf (or of a non-leaf that called {@link Tensor.retainGrad}). */
  grad: Tensor | null = null;
  /** @internal hooks on this leaf's gradient. */
  hooks: GradHook[] | null = null;
  /** @internal how this tensor was taken from the tensor whose storage it shares, if it is a differentiable view. */
  viewInfo: ViewInfo | null = null;
  private node: TapeNode | null = null;
  private requires = false;

  /** @internal tensors are made by the creation functions ({@link tensor}, {@link zeros}…). */
  constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number, dtype: DType) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
  }

  /** Whether gradients flow to this tensor. Only float tensors can require grad. */
  get requiresGrad(): boolean {
    // A view's history follows its base's: it requires grad once its base's history reaches it.
    return this.viewInfo === null ? this.requires : this.gradFn !== null || this.requires;
  }

  /**
   * @internal the op that produced this tensor, when recorded. A view whose
   * storage was written in place since its op was recorded (through itself,
   * its base or another view of it) gets a new one, its view taken again from
   * its base's current history.
   */
  get gradFn(): TapeNode | null {
    const view = this.viewInfo;
    if (view !== null && view.version !== this.storage.version) {
      const node = replayedGradFn(this, view, this.node);
      if (node !== this.node) {
        this.node = node;
        this.requires = node !== null;
      }
    }
    return this.node;
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    let n = 1;
    for (const s of this.shape) n *= s;
    return n;
  }

  /** Whether this tensor is a leaf of the graph (made by the user, not by a recorded op). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * The device the elements live on: `'cpu'` or `'webgpu'` (the device of the
   * backend that holds the storage). Ops run on their operands' device.
   *
   * @example
   * ```ts
   * tensor([1, 2]).device; // 'cpu'
   * ```
   */
  get device(): Device {
    return this.storage.backend.device as Device;
  }

  /** The storage's version counter: how many in-place writes it has had. */
  get version(): number {
    return this.storage.version;
  }

  /**
   * A contiguous copy of the elements as a typed array of this dtype, read
   * synchronously (CPU tensors; see {@link Tensor.dataAsync} for every device).
   */
  get data(): TypedArray {
    return ew.copyData(this, this.dtype);
  }

  /**
   * A contiguous copy of the elements as a typed array of this dtype, once
   * every kernel computing them has run. Works on every device; on the CPU
   * it resolves at once.
   *
   * @example
   * ```ts
   * const values = await logits.dataAsync();
   * ```
   */
  dataAsync(): Promise<TypedArray> {
    return ew.copyDataAsync(this, this.dtype);
  }

  /**
   * Runs now whatever work on this tensor's elements is still pending (a
   * deferred elementwise chain on the CPU), without reading them; returns
   * this tensor. Reads realize by themselves: this is for timing a step, or
   * for computing a value before its inputs change.
   *
   * @example
   * ```ts
   * const t0 = performance.now();
   * model.forward(x).realize();
   * const ms = performance.now() - t0;
   * ```
   */
  realize(): this {
    this.storage.backend.realize(this.storage.buffer);
    return this;
  }

  /**
   * Sets whether this leaf requires grad, in place; returns this tensor.
   *
   * @example
   * ```ts
   * const w = randn([3, 2]).requiresGrad_();
   * ```
   */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new AutogradError('requiresGrad_: can only change requiresGrad of a leaf tensor; use detach() to cut a non-leaf out of the graph');
    }
    if (flag && !isFloating(this.dtype)) {
      throw new DTypeError(`requiresGrad_: only float tensors can require gradients, got ${this.dtype}`);
    }
    this.requires = flag;
    return this;
  }

  /** @internal marks this tensor as the output of a recorded op. */
  setGradFn(node: TapeNode): void {
    this.node = node;
    this.requires = true;
    if (this.viewInfo !== null) this.viewInfo.version = this.storage.version;
  }

  // ---- autodiff -----------------------------------------------------------

  /**
   * Computes the gradient of this tensor with respect to every leaf that
   * requires grad, accumulating into their `.grad`. A non-scalar needs the
   * gradient of some scalar with respect to it.
   *
   * @example
   * ```ts
   * loss.backward();
   * y.backward(onesLike(y), { retainGraph: true });
   * ```
   */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    backward([this], gradient === undefined ? undefined : [gradient], options);
  }

  /**
   * A tensor sharing storage, cut out of the graph (never requires grad).
   *
   * @example
   * ```ts
   * const target = prediction.detach();
   * ```
   */
  detach(): Tensor {
    return mv.detach(this);
  }

  /**
   * Keeps the gradient of this non-leaf in `.grad` after backward.
   *
   * @example
   * ```ts
   * const h = x.mul(2); h.retainGrad(); h.sum().backward(); h.grad;
   * ```
   */
  retainGrad(): this {
    if (this.gradFn === null) return this;
    this.gradFn.retained = this;
    return this;
  }

  /**
   * Registers a function called with this tensor's gradient during backward;
   * it may return a replacement. Returns a function that removes the hook.
   *
   * @example
   * ```ts
   * const remove = w.registerHook((g) => g.clamp(-1, 1));
   * ```
   */
  registerHook(hook: GradHook): () => void {
    if (!this.requires) throw new AutogradError("registerHook: cannot register a hook on a tensor that doesn't require grad");
    const owner: { hooks: GradHook[] | null } = this.gradFn ?? this;
    (owner.hooks ??= []).push(hook);
    return () => {
      const list = owner.hooks;
      if (list !== null) list.splice(list.indexOf(hook) >>> 0, 1);
    };
  }

  // ---- reading ------------------------------------------------------------

  /**
   * The elements as nested arrays (a number for a 0-d tensor; booleans for bool).
   *
   * @example
   * ```ts
   * tensor([[1, 2]]).toArray(); // [[1, 2]]
   * ```
   */
  toArray(): NestedArray {
    return toNested(this);
  }

  /**
   * The value of a one-element tensor as a number.
   *
   * @example
   * ```ts
   * tensor([3]).item(); // 3
   * ```
   */
  item(): number {
    return ew.item(this);
  }

  /**
   * The value of a one-element tensor as a number, read asynchronously (every device).
   *
   * @example
   * ```ts
   * const loss = await lossTensor.itemAsync();
   * ```
   */
  async itemAsync(): Promise<number> {
    ew.checkOneElement('itemAsync', this);
    return (await this.dataAsync())[0]!;
  }

  /**
   * The elements as nested arrays, read asynchronously (every device).
   *
   * @example
   * ```ts
   * await tensor([[1, 2]]).toArrayAsync(); // [[1, 2]]
   * ```
   */
  async toArrayAsync(): Promise<NestedArray> {
    return nestedOf(await this.dataAsync(), this.shape, this.dtype === 'bool');
  }

  /**
   * Prints like PyTorch: values (the middle elided for large tensors), and the
   * dtype, shape and grad information that differ from the defaults.
   *
   * @example
   * ```ts
   * String(tensor([1.5, 2])); // "tensor([1.5000, 2.0000])"
   * ```
   */
  toString(): string {
    return formatTensor(this);
  }

  // ---- dtype and device -----------------------------------------------------

  /**
   * This tensor converted to `dtype`, moved to `device`, or both (PyTorch's
   * `to`): itself when nothing changes, else a copy, recorded so that
   * gradients flow back (a move's gradient is the move back). A move out of
   * a device read only asynchronously (the GPU to the CPU) is
   * {@link Tensor.toAsync}; so is, for a tensor that requires grad, a move
   * onto one (its gradient would need a synchronous read of the GPU): move
   * the leaf itself instead (`model.to('webgpu')`, or
   * `x.detach().to('webgpu').requiresGrad_()`).
   *
   * @example
   * ```ts
   * tensor([1.7]).to('int32').item(); // 1
   * const xGpu = x.to('webgpu'); // after setBackend(await createWebGpu({ gpu }))
   * const y = x.to('webgpu', 'float32');
   * ```
   */
  to(dtype: DType): Tensor;
  to(device: Device, dtype?: DType): Tensor;
  to(deviceOrDtype: Device | DType, dtype?: DType): Tensor {
    return dm.to(this, dm.moveTarget('to', deviceOrDtype, dtype));
  }

  /**
   * {@link Tensor.to} for every direction, the GPU to the CPU included: the
   * elements are read asynchronously. Whether the move is recorded for
   * gradients is decided at the call.
   *
   * @example
   * ```ts
   * const onCpu = await logits.toAsync('cpu');
   * onCpu.argmax(1).toArray();
   * ```
   */
  toAsync(dtype: DType): Promise<Tensor>;
  toAsync(device: Device, dtype?: DType): Promise<Tensor>;
  async toAsync(deviceOrDtype: Device | DType, dtype?: DType): Promise<Tensor> {
    return dm.toAsync(this, dm.moveTarget('toAsync', deviceOrDtype, dtype));
  }

  /**
   * Makes this tensor hold `source`'s elements by sharing its storage (and
   * layout), in place, as PyTorch's `set_(source)`: the tensor object stays
   * the same, so whatever holds it (an optimizer, a module) sees the new
   * storage, on `source`'s device. tapegrad's tensors never change shape or
   * dtype: `source` must have this tensor's. Only a leaf can be set (a
   * recorded result would lose its history); graphs that saved this tensor
   * before see it as modified in place. `module.to(device)` moves parameters
   * with it.
   *
   * @example
   * ```ts
   * noGrad(() => w.set_(w.to('webgpu')));
   * w.device; // 'webgpu'
   * ```
   */
  set_(source: Tensor): this {
    if (!(source instanceof Tensor)) throw new TapegradError(`set_: expected a tensor, got ${source === null ? 'null' : typeof source}`);
    if (source.shape.length !== this.shape.length || source.shape.some((s, i) => s !== this.shape[i])) {
      throw new ShapeError(`set_: the source has shape ${fmtShape(source.shape)} but this tensor has shape ${fmtShape(this.shape)}; expected equal shapes (a tensor's shape never changes)`);
    }
    if (source.dtype !== this.dtype) throw new DTypeError(`set_: the source is ${source.dtype} but this tensor is ${this.dtype}; convert it first with .to('${this.dtype}')`);
    if (!this.isLeaf) throw new AutogradError(`set_: a tensor of shape ${fmtShape(this.shape)} produced by '${this.gradFn!.name}' is not a leaf; only a leaf can take another storage (use detach() first)`);
    // Saved references to this tensor must see a new version: its values changed.
    source.storage.version = Math.max(source.storage.version, this.storage.version + 1);
    // The fields are readonly to users; set_ is the one place they change.
    const self = this as { storage: Storage; strides: readonly number[]; offset: number };
    self.storage = source.storage;
    self.strides = source.strides;
    self.offset = source.offset;
    // Not a view of its former base any more: it owns (shares) source's storage.
    this.viewInfo = null;
    return this;
  }

  /** Converts to float32. @example `tensor([1]).float()` */
  float(): Tensor {
    return ew.cast(this, 'float32');
  }
  /** Converts to float64. @example `tensor([1]).double()` */
  double(): Tensor {
    return ew.cast(this, 'float64');
  }
  /** Converts to int32 (truncating toward zero). @example `tensor([1.5]).int()` */
  int(): Tensor {
    return ew.cast(this, 'int32');
  }
  /** Converts to bool (non-zero is true). @example `tensor([0, 2]).bool()` */
  bool(): Tensor {
    return ew.cast(this, 'bool');
  }
  /** A contiguous copy that records on the tape. @example `x.clone()` */
  clone(): Tensor {
    return ew.clone(this);
  }

  // ---- elementwise --------------------------------------------------------
  /** `this + other`, broadcasting. @example `x.add(1)` */
  add(other: TensorLike): Tensor { return ew.add(this, other); }
  /** `this - other`, broadcasting. @example `x.sub(y)` */
  sub(other: TensorLike): Tensor { return ew.sub(this, other); }
  /** `this * other`, broadcasting. @example `x.mul(2)` */
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  /** `this / other` (true division: integers give float). @example `x.div(2)` */
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  /** `this ** exponent`. @example `x.pow(2)` */
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  /** Elementwise maximum (the gradient is shared at ties). @example `x.maximum(0)` */
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  /** Elementwise minimum. @example `x.minimum(y)` */
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  /** `-this`. @example `x.neg()` */
  neg(): Tensor { return ew.neg(this); }
  /** `|this|`. @example `x.abs()` */
  abs(): Tensor { return ew.abs(this); }
  /** −1, 0 or 1 by sign. @example `x.sign()` */
  sign(): Tensor { return ew.sign(this); }
  /** `e^this`. @example `x.exp()` */
  exp(): Tensor { return ew.exp(this); }
  /** Natural logarithm. @example `x.log()` */
  log(): Tensor { return ew.log(this); }
  /** `log(1 + this)`, accurate near 0. @example `x.log1p()` */
  log1p(): Tensor { return ew.log1p(this); }
  /** `e^this − 1`, accurate near 0. @example `x.expm1()` */
  expm1(): Tensor { return ew.expm1(this); }
  /** Square root. @example `x.sqrt()` */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** `1 / sqrt(this)`. @example `x.rsqrt()` */
  rsqrt(): Tensor { return ew.rsqrt(this); }
  /** `this²`. @example `x.square()` */
  square(): Tensor { return ew.square(this); }
  /** `1 / this`. @example `x.reciprocal()` */
  reciprocal(): Tensor { return ew.reciprocal(this); }
  /** Sine. @example `x.sin()` */
  sin(): Tensor { return ew.sin(this); }
  /** Cosine. @example `x.cos()` */
  cos(): Tensor { return ew.cos(this); }
  /** Tangent. @example `x.tan()` */
  tan(): Tensor { return ew.tan(this); }
  /** Hyperbolic tangent. @example `x.tanh()` */
  tanh(): Tensor { return ew.tanh(this); }
  /** Logistic sigmoid `1 / (1 + e^−x)`, computed without overflow. @example `x.sigmoid()` */
  sigmoid(): Tensor { return ew.sigmoid(this); }
  /** `max(this, 0)`. @example `x.relu()` */
  relu(): Tensor { return ew.relu(this); }
  /** The error function. @example `x.erf()` */
  erf(): Tensor { return ew.erf(this); }
  /** Limits values to `[min, max]` (either may be omitted with `undefined`). @example `x.clamp(-1, 1)` */
  clamp(min?: TensorLike, max?: TensorLike): Tensor { return ew.clamp(this, min, max); }
  /** `this == other` as bool. @example `x.eq(0)` */
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  /** `this != other` as bool. @example `x.ne(0)` */
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  /** `this < other` as bool. @example `x.lt(0)` */
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  /** `this <= other` as bool. @example `x.le(0)` */
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  /** `this > other` as bool. @example `x.gt(0)` */
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  /** `this >= other` as bool. @example `x.ge(0)` */
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }
  /** Logical and (non-zero is true), as bool. @example `a.and(b)` */
  and(other: TensorLike): Tensor { return ew.and(this, other); }
  /** Logical or, as bool. @example `a.or(b)` */
  or(other: TensorLike): Tensor { return ew.or(this, other); }
  /** Logical not, as bool. @example `mask.not()` */
  not(): Tensor { return ew.not(this); }
  /** Whether every element equals `other`'s and the shapes match. @example `a.equal(b)` */
  equal(other: Tensor): boolean { return ew.equal(this, other); }
  /** Whether all elements are within `atol + rtol·|other|`. @example `a.allClose(b)` */
  allClose(other: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return ew.allClose(this, other, rtol, atol); }
  /** `cond ? this : other`. @example `x.where(x.gt(0), 0)` */
  where(cond: Tensor, other: TensorLike): Tensor { return ew.where(cond, this, other); }
  /** Replaces elements where `mask` is true by `value`. @example `scores.maskedFill(mask, -Infinity)` */
  maskedFill(mask: Tensor, value: TensorLike): Tensor { return idx.maskedFill(this, mask, value); }

  // ---- reductions ---------------------------------------------------------
  /** Sum over all elements or the given dims. @example `x.sum(1, true)` */
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  /** Mean over all elements or the given dims. @example `x.mean(0)` */
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  /** Product over all elements or the given dims. @example `x.prod()` */
  prod(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.prod(this, dim, keepdim); }
  /**
   * Maximum of all elements, or values and indices of the maximum along `dim`.
   * @example `x.max()`, `const { values, indices } = x.max(1)`
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number | null, keepdim = false): Tensor | red.ValuesIndices { return dim === undefined || dim === null ? red.extreme('max', 'max', this, undefined, false) : red.maxDim(this, dim, keepdim); }
  /**
   * Minimum of all elements, or values and indices of the minimum along `dim`.
   * @example `x.min()`, `x.min(0).indices`
   */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number | null, keepdim = false): Tensor | red.ValuesIndices { return dim === undefined || dim === null ? red.extreme('min', 'min', this, undefined, false) : red.minDim(this, dim, keepdim); }
  /** Maximum over the given dims (all by default). @example `x.amax([0, 1])` */
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.amax(this, dim, keepdim); }
  /** Minimum over the given dims (all by default). @example `x.amin(1)` */
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.amin(this, dim, keepdim); }
  /** Index of the maximum (of the flattened tensor without `dim`). @example `logits.argmax(1)` */
  argmax(dim?: number | null, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  /** Index of the minimum. @example `x.argmin()` */
  argmin(dim?: number | null, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }
  /** Variance with Bessel's `correction` (1 by default, as PyTorch). @example `x.var(0, { correction: 0 })` */
  var(dim?: number | readonly number[] | null, options: red.VarOptions = {}): Tensor { return red.variance(this, dim, options); }
  /** Standard deviation. @example `x.std()` */
  std(dim?: number | readonly number[] | null, options: red.VarOptions = {}): Tensor { return red.std(this, dim, options); }
  /** `log(sum(exp(x)))`, computed without overflow. @example `logits.logsumexp(1)` */
  logsumexp(dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }
  /** The p-norm (2 by default; `Infinity` for the max norm). @example `g.norm()` */
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor { return red.norm(this, p, dim, keepdim); }

  // ---- movement -----------------------------------------------------------
  /** Same elements in a new shape (a view when possible; one size may be −1). @example `x.reshape([2, -1])` */
  reshape(shape: readonly number[]): Tensor { return mv.reshape(this, shape); }
  /** A view with a new shape; the tensor must be contiguous. @example `x.view([6])` */
  view(shape: readonly number[]): Tensor { return mv.view(this, shape); }
  /** Flattens dims `startDim..endDim` into one. @example `x.flatten(1)` */
  flatten(startDim = 0, endDim = -1): Tensor { return mv.flatten(this, startDim, endDim); }
  /** A view with dims reordered. @example `x.permute([0, 2, 1])` */
  permute(dims: readonly number[]): Tensor { return mv.permute(this, dims); }
  /** A view with two dims swapped. @example `x.transpose(0, 1)` */
  transpose(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  /** The transpose of the last two dims (of a batch of matrices). @example `w.mT` */
  get mT(): Tensor { return mv.transpose(this, -2, -1); }
  /** A broadcast view (−1 keeps a size). @example `b.expand([4, 3])` */
  expand(shape: readonly number[]): Tensor { return mv.expand(this, shape); }
  /** Broadcasts to `shape`, as `expand`. @example `b.broadcastTo([4, 3])` */
  broadcastTo(shape: readonly number[]): Tensor { return mv.expand(this, shape); }
  /** Removes size-1 dims (all, or the given ones). @example `x.squeeze(0)` */
  squeeze(dim?: number | readonly number[] | null): Tensor { return mv.squeeze(this, dim); }
  /** Inserts a size-1 dim at `dim`. @example `x.unsqueeze(0)` */
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  /** A view of `start:end:step` along `dim` (negative and out-of-range bounds clamp as in Python). @example `x.slice(1, 0, -1, 2)` */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return mv.slice(this, dim, start, end, step); }
  /** A view of `length` elements from `start` along `dim`. @example `x.narrow(0, 1, 2)` */
  narrow(dim: number, start: number, length: number): Tensor { return mv.narrow(this, dim, start, length); }
  /** The view at `index` along `dim`, which is removed. @example `x.select(0, -1)` */
  select(dim: number, index: number): Tensor { return mv.select(this, dim, index); }
  /** This tensor if contiguous, else a contiguous copy. @example `x.mT.contiguous()` */
  contiguous(): Tensor { return mv.contiguous(this); }
  /** Whether the elements are laid out row-major without gaps. @example `x.isContiguous()` */
  isContiguous(): boolean { return mv.isContiguousTensor(this); }
  /** Splits into pieces of `size` (or of the given sizes) along `dim`. @example `x.split(2, 1)` */
  split(size: number | readonly number[], dim = 0): Tensor[] { return mv.split(this, size, dim); }
  /** Splits into `chunks` pieces along `dim`. @example `x.chunk(3)` */
  chunk(chunks: number, dim = 0): Tensor[] { return mv.chunk(this, chunks, dim); }
  /** A copy reversed along `dims`. @example `x.flip([0])` */
  flip(dims: readonly number[]): Tensor { return mv.flip(this, dims); }
  /** Pads the last dims by `[left, right, top, bottom, …]` with `value`, or by a mode (see {@link pad}). @example `x.pad([1, 1]); x.pad([2, 2], 'reflect')` */
  pad(pads: readonly number[], modeOrValue: PadMode | number = 'constant', value?: number): Tensor { return pd.pad(this, pads, modeOrValue, value); }
  /** A view of the sliding windows of `size` along `dim`, one every `step` (a new last dim runs through each window). @example `x.unfold(-1, 3, 1)` */
  unfold(dim: number, size: number, step: number, dilation = 1): Tensor { return win.unfold(this, dim, size, step, dilation); }
  /** Tiles the tensor `repeats[i]` times along each dim. @example `x.repeat([2, 1])` */
  repeat(repeats: readonly number[]): Tensor { return mv.repeat(this, repeats); }

  // ---- linear algebra and indexing -----------------------------------------
  /** Matrix product with PyTorch's cases (vectors, batches that broadcast). @example `x.matmul(w)` */
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  /** Inner product of two 1-D tensors. @example `a.dot(b)` */
  dot(other: Tensor): Tensor { return la.dot(this, other); }
  /** Outer product of two 1-D tensors. @example `a.outer(b)` */
  outer(other: Tensor): Tensor { return la.outer(this, other); }
  /** `out[i][j] = this[i][index[i][j]]` along `dim`. @example `logp.gather(1, target.unsqueeze(1))` */
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  /** A copy with `src` added at the positions `index` names along `dim`. @example `zeros([3]).scatterAdd(0, i, v)` */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, dim, index, src); }
  /** The entries at `index` (1-D int32) along `dim`. @example `table.indexSelect(0, ids)` */
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }

  // ---- in place (not recorded for leaves; they bump the version counter) ----
  /** `this += alpha·other` in place. @example `w.add_(g, -0.1)` */
  add_(other: TensorLike, alpha = 1): this { return inplace.add_(this, other, alpha); }
  /** `this -= alpha·other` in place. @example `w.sub_(g)` */
  sub_(other: TensorLike, alpha = 1): this { return inplace.sub_(this, other, alpha); }
  /** `this *= other` in place. @example `m.mul_(0.9)` */
  mul_(other: TensorLike): this { return inplace.mul_(this, other); }
  /** `this /= other` in place. @example `v.div_(2)` */
  div_(other: TensorLike): this { return inplace.div_(this, other); }
  /** `this += value·t1·t2` in place. @example `v.addcmul_(g, g, 0.001)` */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { return inplace.addcmul_(this, t1, t2, value); }
  /** `this += value·t1/t2` in place. @example `w.addcdiv_(m, denom, -lr)` */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { return inplace.addcdiv_(this, t1, t2, value); }
  /** `this += weight·(end − this)` in place. @example `avg.lerp_(x, 0.1)` */
  lerp_(end: TensorLike, weight: number): this { return inplace.lerp_(this, end, weight); }
  /** Square root in place. @example `v.sqrt_()` */
  sqrt_(): this { return inplace.sqrt_(this); }
  /** Clamps in place. @example `g.clamp_(-1, 1)` */
  clamp_(min?: TensorLike, max?: TensorLike): this { return inplace.clamp_(this, min, max); }
  /** `max(this, other)` in place. @example `vmax.maximum_(v)` */
  maximum_(other: TensorLike): this { return inplace.maximum_(this, other); }
  /** Sets every element to 0. @example `w.grad?.zero_()` */
  zero_(): this { return inplace.fill_(this, 0); }
  /** Sets every element to `value`. @example `b.fill_(0.1)` */
  fill_(value: number): this { return inplace.fill_(this, value); }
  /** Copies `src` (broadcast to this shape) into this tensor. @example `w.copy_(saved)` */
  copy_(src: TensorLike): this { return inplace.copy_(this, src); }
  // ---- identity and printing in REPLs ----------------------------------------
  /** Marks tensors of every copy of tapegrad in a process (`Symbol.for('tapegrad.tensor')`). @example `hasTensorBrand(x)` */
  get [tensorBrand](): true {
    return true;
  }
  /** What Node's `console.log`, `util.inspect` and REPL print: the same as `toString()`. @example `console.log(x)` */
  [nodeInspect](): string {
    return this.toString();
  }
  /** What Deno's `console.log` prints: the same as `toString()`. @example `console.log(x)` */
  [denoInspect](): string {
    return this.toString();
  }
  /**
   * The tensor as JSON: its dtype, shape and values as nested arrays, so that
   * `tensor(j.data, { dtype: j.dtype })` rebuilds it.
   *
   * @example
   * ```ts
   * JSON.stringify(tensor([1, 2])); // '{"dtype":"float32","shape":[2],"data":[1,2]}'
   * ```
   */
  toJSON(): { dtype: DType; shape: number[]; data: NestedArray } {
    return { dtype: this.dtype, shape: [...this.shape], data: this.toArray() };
  }
}
