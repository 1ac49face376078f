import {
  call,
  emitModule,
  f32Load,
  f32Store,
  forLoop,
  get,
  i32,
  i32Add,
  i32Eq,
  i32Mul,
  i32Shl,
  i32Sub,
  ifElse,
  memoryCopy,
  select,
  set,
  type ValType,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';
import { edgeTile, elementOps, microKernel, type ElementOps, type MicroTile } from './micro-kernel.js';

/** Function indices, in the order `convModuleBytes` emits them. */
const MICRO = 0;

/**
 * `direct(og, kc, aPack, img, table, OH, OW, rowBytes, out, ldc, tile, add, bias)`:
 * one group's output `C[og × OH·OW] (+)=` its packed weights `A[og × kc]`
 * times the windows of a zero-padded image, for a convolution whose windows
 * are one float apart along a row (stride 1 across); a `bias` other than 0
 * is the address of `og` floats (and `MR` of slack) that the sums of each
 * output channel start from. Output `(o, oh, ow)` is
 * at `out + o·ldc + 4·(oh·OW + ow)`; its window's corner in the padded image
 * at `img + oh·rowBytes + 4·ow`, and step k of the window `table[k]` bytes
 * further. `NR` windows side by side are `NR` consecutive floats, one vector
 * load per 4 for every step: the image is read in place, with no columns
 * laid out and nothing packed. Each output row is its own run of tiles, the
 * last one cut by the row's end (computed whole, reading past the row into
 * padding or the next row, and only its valid part stored).
 */
function direct(tile: MicroTile, e: ElementOps): WasmFunction {
  const { mr, nr } = tile;
  const [og, kc, aPack, img, table, OH, OW, rowBytes, out, ldc, tileAt, add, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [oh, jr, ir, bAddr, cAddr, ap, rows, cols, i, j, cij, tileBias] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
  const body = forLoop(oh, i32(0), get(OH), 1, [
    forLoop(jr, i32(0), get(OW), nr, [
      set(bAddr, i32Add(i32Add(get(img), i32Mul(get(oh), get(rowBytes))), i32Shl(get(jr), i32(2)))),
      forLoop(ir, i32(0), get(og), mr, [
        set(cAddr, i32Add(i32Add(get(out), i32Mul(get(ir), get(ldc))), i32Shl(i32Add(i32Mul(get(oh), get(OW)), get(jr)), i32(2)))),
        set(ap, i32Add(get(aPack), i32Shl(i32Mul(get(ir), get(kc)), i32(2)))),
        // The bias of this tile's first row, or 0 for none.
        set(tileBias, select(i32Add(get(bias), i32Shl(get(ir), i32(2))), i32(0), get(bias))),
        edgeTile(
          tile,
          e,
          { rows: i32Sub(get(og), get(ir)), cols: i32Sub(get(OW), get(jr)), cAddr, ldc, tile: tileAt, add },
          [rows, cols, i, j, cij],
          call(MICRO, get(kc), get(ap), get(bAddr), get(table), get(cAddr), get(ldc), get(add), get(tileBias)),
          call(MICRO, get(kc), get(ap), get(bAddr), get(table), get(tileAt), i32(nr * 4), i32(0), get(tileBias)),
        ),
      ]),
    ]),
  ]);
  return { name: 'direct', params: Array<ValType>(13).fill('i32'), results: [], locals: Array<ValType>(12).fill('i32'), body };
}

/**
 * `padRows(C, H, W, src, sC, sH, sW, dst, dC, dH)`: copies an image's `C·H`
 * rows of `W` floats (byte strides `sC`, `sH`, `sW`) into a padded image,
 * row `(c, h)` at `dst + c·dC + h·dH`, contiguous; a row of unit stride is
 * one `memory.copy`. The padding around them is left as it is (zeros, written
 * once per call).
 */
function padRows(): WasmFunction {
  const [C, H, W, src, sC, sH, sW, dst, dC, dH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [c, h, w, from, to] = [10, 11, 12, 13, 14];
  const body = forLoop(c, i32(0), get(C), 1, [
    forLoop(h, i32(0), get(H), 1, [
      set(from, i32Add(i32Add(get(src), i32Mul(get(c), get(sC))), i32Mul(get(h), get(sH)))),
      set(to, i32Add(i32Add(get(dst), i32Mul(get(c), get(dC))), i32Mul(get(h), get(dH)))),
      ifElse(
        i32Eq(get(sW), i32(4)),
        [memoryCopy(get(to), get(from), i32Shl(get(W), i32(2)))],
        [
          forLoop(w, i32(0), get(W), 1, [
            f32Store(i32Add(get(to), i32Shl(get(w), i32(2))), f32Load(i32Add(get(from), i32Mul(get(w), get(sW))))),
          ]),
        ],
      ),
    ]),
  ]);
  return { name: 'padRows', params: Array<ValType>(10).fill('i32'), results: [], locals: Array<ValType>(5).fill('i32'), body };
}

/**
 * The bytes of the float32 direct-convolution module: `micro` (the
 * micro-kernel reading B through a table of offsets, see `microKernel`),
 * `direct` and `padRows`. With `fma` the micro-kernel multiplies and adds
 * with relaxed SIMD's `relaxed_madd`.
 *
 * @example
 * ```ts
 * const ex = rt.instantiate(convModuleBytes({ mr: 4, nr: 8 }));
 * ```
 */
export function convModuleBytes(tile: MicroTile, fma = false): Uint8Array {
  const e = elementOps('float32', fma);
  return emitModule([microKernel(tile, e, 'table', true), direct(tile, e), padRows()]);
}
