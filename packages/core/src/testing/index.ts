export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { shapes, broadcastableShapes, tensors, type ShapeConstraints, type TensorConstraints } from './arbitraries.js';
export { assertAllClose, type AllCloseOptions } from './assert-all-close.js';
