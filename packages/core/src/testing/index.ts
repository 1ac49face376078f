/**
 * Gradient checks for your own ops: `gradcheck`, `gradgradcheck`, `assertAllClose` (no dependencies).
 *
 * @module @tapegrad/core/testing
 */
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export { assertAllClose, type AllCloseOptions } from './assert-all-close.js';
