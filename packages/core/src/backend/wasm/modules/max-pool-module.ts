import {
  block,
  brIf,
  emitModule,
  f32,
  f32Gt,
  f32Load,
  f32Ne,
  f32Store,
  f32x4Compare,
  f32x4Shuffle,
  forLoop,
  get,
  i32,
  i32Add,
  i32Eq,
  i32GeS,
  i32Load,
  i32Mul,
  i32Or,
  i32Shl,
  i32Store,
  i32Sub,
  i32x4Add,
  i32x4Splat,
  ifElse,
  loop,
  select,
  set,
  v128Bitselect,
  v128Load,
  v128Or,
  v128Store,
  type Code,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';

// Parameters: N, C, OH, OW, KW; x0, sn, sc, sh, sw (bytes); W, sW, pW, dW, dh;
// rows, cols, kws, best, lanes, dst (byte addresses). Then the locals.
const P = {
  N: 0, C: 1, OH: 2, OW: 3, KW: 4, x0: 5, sn: 6, sc: 7, sh: 8, sw: 9, W: 10, sW: 11, pW: 12, dW: 13, dh: 14,
  rows: 15, cols: 16, kws: 17, best: 18, lanes: 19, dst: 20,
  // i32 locals
  n: 21, c: 22, oh: 23, ow: 24, kw: 25, plane: 26, ih: 27, ih1: 28, hi: 29, p: 30, ix: 31, step: 32, take: 33, bp: 34, op: 35,
  // f32 locals, then v128
  v: 36, b: 37, vv: 38, vb: 39, mask: 40, vix: 41, vstep: 42,
};

/** Entry `i` of a table of (first, end) int32 pairs at `table`. */
const pair = (table: number, i: Code, which: 0 | 1): Code => i32Load(i32Add(get(table), i32Shl(i, i32(3))), 4 * which);
/** Byte address of element `i` of a float32 or int32 row at `base`. */
const at = (base: number, i: number): Code => i32Add(get(base), i32Shl(get(i), i32(2)));

/**
 * One tap for windows `[ow, hi)` four at a time: each lane's tap `v` (at `p`,
 * the lanes `step` bytes apart: 4, or 8 through a shuffle of two loads)
 * replaces the lane's running maximum when greater or NaN, and its index
 * (`vix`) the stored one.
 */
function fourWindows(): Code[] {
  const taps = ifElse(
    i32Eq(get(P.step), i32(4)),
    [set(P.vv, v128Load(get(P.p)))],
    [set(P.vv, f32x4Shuffle(v128Load(get(P.p)), v128Load(get(P.p), 16), [0, 2, 4, 6]))],
  );
  return [
    block(
      brIf(0, i32GeS(i32Add(get(P.ow), i32(3)), get(P.hi))),
      loop(
        taps,
        set(P.bp, at(P.best, P.ow)),
        set(P.op, at(P.dst, P.ow)),
        set(P.vb, v128Load(get(P.bp))),
        set(P.mask, v128Or(f32x4Compare('gt', get(P.vv), get(P.vb)), f32x4Compare('ne', get(P.vv), get(P.vv)))),
        v128Store(get(P.bp), v128Bitselect(get(P.vv), get(P.vb), get(P.mask))),
        v128Store(get(P.op), v128Bitselect(get(P.vix), v128Load(get(P.op)), get(P.mask))),
        set(P.vix, i32x4Add(get(P.vix), get(P.vstep))),
        set(P.ix, i32Add(get(P.ix), i32Shl(get(P.sW), i32(2)))),
        set(P.p, i32Add(get(P.p), i32Shl(get(P.step), i32(2)))),
        set(P.ow, i32Add(get(P.ow), i32(4))),
        brIf(0, i32GeS(i32Sub(get(P.hi), get(P.ow)), i32(4))),
      ),
    ),
  ];
}

/** The same for the windows left, one at a time, branch-free through `select`. */
const oneWindow: Code[] = [
  set(P.v, f32Load(get(P.p))),
  set(P.bp, at(P.best, P.ow)),
  set(P.op, at(P.dst, P.ow)),
  set(P.b, f32Load(get(P.bp))),
  set(P.take, i32Or(f32Gt(get(P.v), get(P.b)), f32Ne(get(P.v), get(P.v)))),
  f32Store(get(P.bp), select(get(P.v), get(P.b), get(P.take))),
  i32Store(get(P.op), select(get(P.ix), i32Load(get(P.op)), get(P.take))),
  set(P.ix, i32Add(get(P.ix), get(P.sW))),
  set(P.p, i32Add(get(P.p), get(P.step))),
];

/**
 * `maxPoolIndices(N, C, OH, OW, KW, x0, sn, sc, sh, sw, W, sW, pW, dW, dh, rows, cols, kws, best, lanes, dst)`:
 * for each image plane and row of windows, the flat index `ih·W + iw` of
 * each window's maximum, as int32 at `dst` onwards (row-major). Taps go in
 * window order (kh, then kw), each over the whole row of windows it falls
 * inside the image for: `rows` holds per window row the (first, end) of its
 * image rows, `kws` per kw the [lo, hi) of the windows whose tap kw is
 * inside, `cols` per window (first, end) of its image columns, whose first
 * starts its index. `best` is scratch for a row of running maxima; `lanes`
 * holds `[0, sW, 2·sW, 3·sW]`. A window's lanes are independent, so the
 * compare-and-select chains overlap, four windows per vector where their
 * taps are 4 or 8 bytes apart.
 */
const maxPoolIndices: WasmFunction = {
  name: 'maxPoolIndices',
  params: new Array<'i32'>(21).fill('i32'),
  results: [],
  locals: [...new Array<'i32'>(15).fill('i32'), 'f32', 'f32', 'v128', 'v128', 'v128', 'v128', 'v128'],
  body: [
    ...set(P.step, i32Mul(get(P.sW), get(P.sw))),
    ...set(P.vstep, i32x4Splat(i32Shl(get(P.sW), i32(2)))),
    ...forLoop(P.n, i32(0), get(P.N), 1, [
      forLoop(P.c, i32(0), get(P.C), 1, [
        set(P.plane, i32Add(get(P.x0), i32Add(i32Mul(get(P.n), get(P.sn)), i32Mul(get(P.c), get(P.sc))))),
        forLoop(P.oh, i32(0), get(P.OH), 1, [
          set(P.ih1, pair(P.rows, get(P.oh), 1)),
          // Every window starts at −∞, pointing at its first tap inside the image.
          forLoop(P.ow, i32(0), get(P.OW), 1, [
            f32Store(at(P.best, P.ow), f32(-Infinity)),
            i32Store(at(P.dst, P.ow), i32Add(i32Mul(pair(P.rows, get(P.oh), 0), get(P.W)), pair(P.cols, get(P.ow), 0))),
          ]),
          forLoop(P.ih, pair(P.rows, get(P.oh), 0), get(P.ih1), get(P.dh), [
            forLoop(P.kw, i32(0), get(P.KW), 1, [
              set(P.ow, pair(P.kws, get(P.kw), 0)),
              set(P.hi, pair(P.kws, get(P.kw), 1)),
              // Image column of window ow's tap kw, its index, and its address.
              set(P.ix, i32Add(i32Sub(i32Mul(get(P.ow), get(P.sW)), get(P.pW)), i32Mul(get(P.kw), get(P.dW)))),
              set(P.p, i32Add(i32Add(get(P.plane), i32Mul(get(P.ih), get(P.sh))), i32Mul(get(P.ix), get(P.sw)))),
              set(P.ix, i32Add(get(P.ix), i32Mul(get(P.ih), get(P.W)))),
              ifElse(i32Or(i32Eq(get(P.step), i32(4)), i32Eq(get(P.step), i32(8))), [
                set(P.vix, i32x4Add(i32x4Splat(get(P.ix)), v128Load(get(P.lanes)))),
                ...fourWindows(),
              ]),
              block(brIf(0, i32GeS(get(P.ow), get(P.hi))), loop(...oneWindow, set(P.ow, i32Add(get(P.ow), i32(1))), brIf(0, i32GeS(i32Sub(get(P.hi), get(P.ow)), i32(1))))),
            ]),
          ]),
          set(P.dst, i32Add(get(P.dst), i32Shl(get(P.OW), i32(2)))),
        ]),
      ]),
    ]),
  ],
};

/**
 * The module of the wasm backend's max-pooling kernel (`maxPoolIndices`
 * above), over the shared memory.
 *
 * @example
 * ```ts
 * const ex = rt.instantiate(maxPoolModuleBytes());
 * ```
 */
export function maxPoolModuleBytes(): Uint8Array {
  return emitModule([maxPoolIndices]);
}
