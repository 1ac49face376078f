/**
 * Tensors with dtypes, broadcasting and views, the tape and `backward()`, the functional API, custom ops, and the backends.
 *
 * @module @tapegrad/core
 */
export { Tensor, type TensorLike } from './tensor/tensor.js';
export type { DType, TypedArray, TypedArrayFor } from './dtype.js';
export { promoteTypes, isFloating } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, normalizeDim } from './shape.js';
export { TapegradError, ShapeError, DTypeError, IndexError, AutogradError, DeviceError, OptionError, fmtShape } from './errors.js';
export {
  checkOptions,
  closestKey,
  optionRules,
  rejectOptionsObject,
  type OptionRule,
  type OptionRules,
  type CheckOptionsExtra,
} from './options.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export { configureStoragePool, storagePoolStats, type StoragePoolOptions } from './backend/cpu/storage-recycling.js';
export {
  tensor,
  zeros,
  ones,
  full,
  empty,
  arange,
  linspace,
  eye,
  zerosLike,
  onesLike,
  fullLike,
  emptyLike,
  rand,
  randn,
  randint,
  randLike,
  randnLike,
  randperm,
  type TensorOptions,
  type RandomOptions,
  type NestedInput,
  type SmallIntArray,
} from './tensor/creation.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  neg,
  abs,
  sign,
  exp,
  log,
  log1p,
  expm1,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  sin,
  cos,
  tan,
  tanh,
  sigmoid,
  relu,
  erf,
  clamp,
  where,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  and,
  or,
  not,
  equal,
  allClose,
  canReadSync,
} from './ops/elementwise.js';
export {
  sum,
  mean,
  prod,
  amax,
  amin,
  argmax,
  argmin,
  variance as var,
  std,
  logsumexp,
  norm,
  type ValuesIndices,
  type VarOptions,
} from './ops/reduce.js';
export {
  reshape,
  flatten,
  permute,
  transpose,
  expand,
  squeeze,
  unsqueeze,
  narrow,
  select,
  split,
  chunk,
  flip,
  repeat,
  cat,
  stack,
} from './ops/movement.js';
export { pad, type PadMode } from './ops/pad.js';
export { matmul, dot, outer } from './ops/linalg.js';
export { unfold, fold } from './ops/unfold.js';
export { im2col, col2im, type Im2colOptions } from './ops/im2col.js';
export { conv1d, conv2d, type ConvOptions } from './ops/conv.js';
export { maxPool2d, avgPool2d, type MaxPoolOptions, type AvgPoolOptions } from './ops/pool.js';
export { adaptiveAvgPool2d } from './ops/adaptive-avg-pool.js';
export type { SizeArg } from './ops/sliding-window.js';
export { gather, scatterAdd, indexSelect, maskedFill, oneHot } from './ops/indexing.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly, isAnomalyEnabled } from './autograd/grad-mode.js';
export { backward, autogradGrad, type BackwardOptions, type GradOptions } from './autograd/backward.js';
export { grad, valueAndGrad, vjp, jvp, hessian, type ArgnumsOptions } from './autograd/functional.js';
export { vmap, type VmapOptions, type InDims } from './vmap/vmap.js';
export { allExamples } from './vmap/all-examples.js';
export type { Randomness } from './primitives/batching.js';
export { customOp, type CustomOpContext, type CustomOpDefinition } from './autograd/custom-op.js';
export { toDot, type DotOptions } from './autograd/to-dot.js';
export type { NestedArray } from './tensor/format.js';
export type { Backend, Kernels, View } from './backend/backend.js';
export type { UnaryKernel, BinaryKernel, ReduceKernel, ArgReduceKernel, ConvGeometry } from './primitives/primitives.js';
export { getBackend, setBackend, wasmBackend, getDefaultDevice, setDefaultDevice, isDeviceName, type Device } from './backend/active-backend.js';
export { createWasmBackend, type WasmBackendOptions } from './backend/wasm/wasm-backend.js';
export { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './backend/webgpu/webgpu-backend.js';
export type { GpuDeviceLike } from './backend/webgpu/gpu-types.js';
export type { GpuMemoryStats } from './backend/webgpu/buffer-pool.js';
export { setNumThreads, getNumThreads, type NumThreadsOptions } from './backend/wasm/threads/num-threads.js';
export type { WorkerLike } from './backend/wasm/threads/worker-like.js';
export { jsBackend } from './backend/js/js-backend.js';
export type { Primitive, PrimitiveParams } from './primitives/primitives.js';
export { tracePrimitives, type TracedOp, type TracedCall, type PrimitiveTrace } from './primitives/trace.js';
