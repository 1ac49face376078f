import type { MicroTile } from '../modules/micro-kernel.js';
import type { Blocking } from './wasm-matmul.js';

/**
 * The micro-tile and cache blocking of the wasm matmul, one-threaded and
 * threaded alike (see `MicroTile` and `Blocking` for why these sizes).
 *
 * @example
 * ```ts
 * createMatmulBlocks(rt, base, MATMUL_TILE, MATMUL_BLOCKING);
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

/**
 * The float64 matmul's micro-tile: 4 rows × 4 columns are 8 `f64x2`
 * accumulators, the same register budget as float32's 4×8.
 *
 * @example
 * ```ts
 * createMatmulBlocks(rt, base, MATMUL_TILE_F64, MATMUL_BLOCKING_F64, 'float64');
 * ```
 */
export const MATMUL_TILE_F64: MicroTile = { mr: 4, nr: 4 };

/**
 * See `MATMUL_TILE_F64`: the same bytes per packed block as float32's.
 *
 * @example
 * ```ts
 * MATMUL_BLOCKING_F64.nc; // 512
 * ```
 */
export const MATMUL_BLOCKING_F64: Blocking = { mc: 128, kc: 256, nc: 512 };
