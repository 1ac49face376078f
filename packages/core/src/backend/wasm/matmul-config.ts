import type { MicroTile } from './matmul-module.js';
import type { Blocking } from './wasm-matmul.js';

/**
 * The micro-tile and cache blocking of the wasm matmul, one-threaded and
 * threaded alike (see `MicroTile` and `Blocking` for why these sizes).
 *
 * @example
 * ```ts
 * createWasmMatmul(rt, base, MATMUL_TILE, MATMUL_BLOCKING);
 * ```
 */
export const MATMUL_TILE: MicroTile = { mr: 4, nr: 8 };

/**
 * See `MATMUL_TILE`.
 *
 * @example
 * ```ts
 * MATMUL_BLOCKING.kc; // 256
 * ```
 */
export const MATMUL_BLOCKING: Blocking = { mc: 128, kc: 256, nc: 1024 };
