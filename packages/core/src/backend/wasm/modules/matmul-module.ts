import {
  call,
  emitModule,
  f32x4Shuffle,
  forLoop,
  get,
  i32,
  i32Add,
  i32Eq,
  i32GeS,
  i32LtS,
  i32Mul,
  i32Shl,
  i32Sub,
  ifElse,
  block,
  loop,
  brIf,
  select,
  set,
  v128Load,
  v128Store,
  type Code,
  type ValType,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';
import { edgeTile, elementOps, microKernel, type ElementOps, type MatmulElement, type MicroTile } from './micro-kernel.js';

/** Function indices, in the order `matmulModuleBytes` emits them. */
const MICRO = 0;
const MACRO = 1;
const PACK_A = 2;

/**
 * `macro(mc, nc, kc, aPack, bPack, c, ldc, tile, add)`: `C[mc×nc] (+)= Ablock · Bblock`
 * over packed blocks, storing when `add = 0` (the first block of k) and adding
 * otherwise. Full tiles go straight to C; edge tiles are stored into the
 * scratch `tile` and their valid part copied or added to C.
 */
function macro(tile: MicroTile, e: ElementOps): WasmFunction {
  const { mr, nr } = tile;
  const [mc, nc, kc, aPack, bPack, c, ldc, tileAt, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [jr, ir, bp, cAddr, rows, cols, i, j, ap, cij] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const body = forLoop(jr, i32(0), get(nc), nr, [
    set(bp, i32Add(get(bPack), i32Shl(i32Mul(get(jr), get(kc)), i32(e.shift)))),
    forLoop(ir, i32(0), get(mc), mr, [
      set(cAddr, i32Add(i32Add(get(c), i32Mul(get(ir), get(ldc))), i32Shl(get(jr), i32(e.shift)))),
      set(ap, i32Add(get(aPack), i32Shl(i32Mul(get(ir), get(kc)), i32(e.shift)))),
      edgeTile(
        tile,
        e,
        { rows: i32Sub(get(mc), get(ir)), cols: i32Sub(get(nc), get(jr)), cAddr, ldc, tile: tileAt, add },
        [rows, cols, i, j, cij],
        call(MICRO, get(kc), get(ap), get(bp), get(cAddr), get(ldc), get(add)),
        call(MICRO, get(kc), get(ap), get(bp), get(tileAt), i32(nr * e.bytes), i32(0)),
      ),
    ]),
  ]);
  return { name: 'macro', params: Array<ValType>(9).fill('i32'), results: [], locals: Array<ValType>(10).fill('i32'), body };
}

/**
 * `pack(count, kc, src, sOuter, sInner, dst, width)` for one operand: panels of
 * `width` lines (rows of A, or columns of B) laid out step by step, `width`
 * floats per step of k, zero-padded past `count` lines. `sOuter` is the element
 * stride between lines, `sInner` between steps of k; a unit line stride (a
 * transposed A, or a row-major B) moves four floats at a time.
 */
function pack(fnName: string, width: number, e: ElementOps): WasmFunction {
  const [count, kc, src, sLine, sK, dst] = [0, 1, 2, 3, 4, 5];
  const [l0, k, p, d, lineBytes, kBytes] = [6, 7, 8, 9, 10, 11];
  const line = (w: number): Code => e.load(i32Add(get(p), i32Mul(get(lineBytes), i32(w))));
  const full: Code[] = [];
  for (let w = 0; w < width; w++) full.push(e.store(get(d), line(w), e.bytes * w));
  const vectors: Code[] = [];
  for (let v = 0; v < (width * e.bytes) / 16; v++) vectors.push(v128Store(get(d), v128Load(get(p), 16 * v), 16 * v));
  const partial: Code[] = [];
  for (let w = 0; w < width; w++) {
    partial.push(
      ifElse(
        i32LtS(i32Add(get(l0), i32(w)), get(count)),
        [e.store(get(d), line(w), e.bytes * w)],
        [e.store(get(d), e.zero, e.bytes * w)],
      ),
    );
  }
  const steps = (inner: Code[]): Code =>
    forLoop(k, i32(0), get(kc), 1, [...inner, set(p, i32Add(get(p), get(kBytes))), set(d, i32Add(get(d), i32(e.bytes * width)))]);
  // Unit k stride (a row-major A, a transposed B): each line's next four
  // steps are one vector; four lines' vectors, transposed in registers (two
  // rounds of shuffles), are four steps of four lines each.
  const [r, t] = [[12, 13, 14, 15], [16, 17, 18, 19]] as const;
  const fourSteps: Code[] = [];
  for (let g = 0; g < width / 4; g++) {
    for (let j = 0; j < 4; j++) fourSteps.push(set(r[j]!, v128Load(i32Add(get(p), i32Mul(get(lineBytes), i32(4 * g + j))))));
    fourSteps.push(
      set(t[0], f32x4Shuffle(get(r[0]), get(r[1]), [0, 4, 1, 5])),
      set(t[1], f32x4Shuffle(get(r[0]), get(r[1]), [2, 6, 3, 7])),
      set(t[2], f32x4Shuffle(get(r[2]), get(r[3]), [0, 4, 1, 5])),
      set(t[3], f32x4Shuffle(get(r[2]), get(r[3]), [2, 6, 3, 7])),
    );
    const halves = [[t[0], t[2], [0, 1, 4, 5]], [t[0], t[2], [2, 3, 6, 7]], [t[1], t[3], [0, 1, 4, 5]], [t[1], t[3], [2, 3, 6, 7]]] as const;
    halves.forEach(([x, y, lanes], j) => fourSteps.push(v128Store(get(d), f32x4Shuffle(get(x), get(y), lanes), 16 * g + 4 * width * j)));
  }
  const transposed: Code[] = [
    set(k, i32(0)),
    block(
      brIf(0, i32LtS(get(kc), i32(4))),
      loop(...fourSteps, set(p, i32Add(get(p), i32(16))), set(d, i32Add(get(d), i32(16 * width))), set(k, i32Add(get(k), i32(4))), brIf(0, i32GeS(i32Sub(get(kc), get(k)), i32(4)))),
    ),
    // The last kc % 4 steps one at a time.
    block(brIf(0, i32GeS(get(k), get(kc))), loop(...full, set(p, i32Add(get(p), get(kBytes))), set(d, i32Add(get(d), i32(e.bytes * width))), set(k, i32Add(get(k), i32(1))), brIf(0, i32LtS(get(k), get(kc))))),
  ];
  const body = [
    ...set(lineBytes, i32Shl(get(sLine), i32(e.shift))),
    ...set(kBytes, i32Shl(get(sK), i32(e.shift))),
    ...set(d, get(dst)),
    ...forLoop(l0, i32(0), get(count), width, [
      set(p, i32Add(get(src), i32Mul(get(l0), get(lineBytes)))),
      ifElse(
        i32GeS(get(count), i32Add(get(l0), i32(width))),
        (width * e.bytes) % 16 === 0
          ? [ifElse(i32Eq(get(sLine), i32(1)), [steps(vectors)], [e.lanes === 4 ? ifElse(i32Eq(get(sK), i32(1)), transposed, [steps(full)]) : steps(full)])]
          : [steps(full)],
        [steps(partial)],
      ),
    ]),
  ];
  return { name: fnName, params: Array<ValType>(6).fill('i32'), results: [], locals: [...Array<ValType>(6).fill('i32'), ...Array<ValType>(8).fill('v128')], body };
}

/**
 * `rows(i0, i1, mcMax, kc, nc, a, sam, sak, aPack, bPack, c, ldc, tile, add)`:
 * rows `[i0, i1)` of one `(jc, pc)` block of C, in row blocks of at most
 * `mcMax`, each packed into `aPack` and multiplied with the packed B block.
 * `a` is A's byte address at row 0 of the block (element strides `sam`,
 * `sak`), `c` is C's at row 0. It is one thread's share of a block, so the
 * worker needs no loop of its own: one call per task.
 */
function rows(e: ElementOps): WasmFunction {
  const [i0, i1, mcMax, kc, nc, a, sam, sak, aPack, bPack, c, ldc, tile, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [ic, mc] = [14, 15];
  const left = i32Sub(get(i1), get(ic));
  const body = [
    ...set(ic, get(i0)),
    ...block(
      brIf(0, i32GeS(get(ic), get(i1))),
      loop(
        set(mc, select(get(mcMax), left, i32GeS(left, get(mcMax)))),
        call(PACK_A, get(mc), get(kc), i32Add(get(a), i32Shl(i32Mul(get(ic), get(sam)), i32(e.shift))), get(sam), get(sak), get(aPack)),
        call(MACRO, get(mc), get(nc), get(kc), get(aPack), get(bPack), i32Add(get(c), i32Mul(get(ic), get(ldc))), get(ldc), get(tile), get(add)),
        set(ic, i32Add(get(ic), get(mcMax))),
        brIf(0, i32LtS(get(ic), get(i1))),
      ),
    ),
  ];
  return { name: 'rows', params: Array<ValType>(14).fill('i32'), results: [], locals: ['i32', 'i32'], body };
}

/**
 * The bytes of the matmul module: `micro` (see `microKernel`), `macro`,
 * `packA`, `packB`. With `sharedMaxPages` it imports a shared memory of at
 * most that many pages and also exports `rows`, one thread's share of a
 * block (see `rows` above). With `fma` the micro-kernel multiplies and adds
 * with relaxed SIMD's `relaxed_madd` (engines without relaxed SIMD refuse it).
 *
 * @example
 * ```ts
 * new WebAssembly.Module(matmulModuleBytes({ mr: 4, nr: 8 }));
 * new WebAssembly.Module(matmulModuleBytes({ mr: 4, nr: 8 }, 16384)); // for threads
 * matmulModuleBytes({ mr: 4, nr: 8 }, undefined, 'float32', true); // relaxed SIMD's multiply-add
 * ```
 */
export function matmulModuleBytes(tile: MicroTile, sharedMaxPages?: number, element: MatmulElement = 'float32', fma = false): Uint8Array {
  const e = elementOps(element, fma);
  const funcs = [microKernel(tile, e, 'packed'), macro(tile, e), pack('packA', tile.mr, e), pack('packB', tile.nr, e)];
  if (sharedMaxPages === undefined) return emitModule(funcs);
  return emitModule([...funcs, rows(e)], true, sharedMaxPages);
}
