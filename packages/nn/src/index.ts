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
