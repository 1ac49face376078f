export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { assertAllClose, type AllCloseOptions } from './assert-all-close.js';
