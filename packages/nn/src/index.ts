// ---- modules ----------------------------------------------------------------
export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { parameter, isParameter, type Parameter } from './parameter.js';
export { StateDictError, SafetensorsError } from './errors.js';

// ---- containers and simple layers ---------------------------------------------
export { Sequential, type TensorModule } from './layers/sequential.js';
export { ModuleList } from './layers/module-list.js';
export { ModuleDict } from './layers/module-dict.js';
export { Identity } from './layers/identity.js';
export { Flatten } from './layers/flatten.js';
export { Linear } from './layers/linear.js';
export { Bilinear } from './layers/bilinear.js';
export type { LayerOptions } from './layers/layer-options.js';

// ---- activations and softmax --------------------------------------------------
export { relu, leakyRelu, elu, gelu, silu, mish, sigmoid, tanh, softplus, hardtanh } from './functional/activations.js';
export { softmax, logSoftmax } from './functional/softmax.js';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Mish, Sigmoid, Tanh, Softplus, Hardtanh, Softmax, LogSoftmax } from './layers/activations.js';

// ---- initialisation -------------------------------------------------------------
export * as init from './init.js';
