import {
  block,
  brIf,
  emitModule,
  f32Add,
  f32Load,
  f32Store,
  f32x4Add,
  forLoop,
  get,
  i32,
  i32Add,
  i32And,
  i32Eq,
  i32GeS,
  i32Load,
  i32LtS,
  i32LtU,
  i32Mul,
  i32Shl,
  i32Sub,
  ifElse,
  loop,
  memoryCopy,
  set,
  v128Load,
  v128Store,
  type Code,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';

/** The locals a row operation works with (indices): the row's length and byte steps, two cursors and a counter. */
interface RowLocals {
  readonly len: number;
  readonly sx: number;
  readonly so: number;
  readonly pa: number;
  readonly pb: number;
  readonly j: number;
}

type RowOp = (l: RowLocals) => Code;

/** `for j < len: element(pb) ⟵ element(pa); pa += sx; pb += so`. */
const strideLoop = (l: RowLocals, store: Code): Code =>
  forLoop(l.j, i32(0), get(l.len), 1, [store, set(l.pa, i32Add(get(l.pa), get(l.sx))), set(l.pb, i32Add(get(l.pb), get(l.so)))]);

const unitSteps = (l: RowLocals): Code => i32And(i32Eq(get(l.sx), i32(4)), i32Eq(get(l.so), i32(4)));

/** Copies one row of `len` float32 elements from `pa` to `pb`; unit steps on both sides are one `memory.copy`. */
const copyRow: RowOp = (l) =>
  ifElse(unitSteps(l), [memoryCopy(get(l.pb), get(l.pa), i32Mul(get(l.len), i32(4)))], [strideLoop(l, f32Store(get(l.pb), f32Load(get(l.pa))))]);

/**
 * Adds one row into another, element by element in row order (as the
 * reference sums); unit steps on both sides four lanes at a time while a
 * whole vector fits, then one by one.
 */
const addRow: RowOp = (l) => {
  const addUnit: Code = [
    ...forLoop(l.j, i32(0), i32Sub(get(l.len), i32(3)), 4, [
      v128Store(get(l.pb), f32x4Add(v128Load(get(l.pb)), v128Load(get(l.pa)))),
      set(l.pa, i32Add(get(l.pa), i32(16))),
      set(l.pb, i32Add(get(l.pb), i32(16))),
    ]),
    ...loop(
      block(
        brIf(0, i32GeS(get(l.j), get(l.len))),
        f32Store(get(l.pb), f32Add(f32Load(get(l.pb)), f32Load(get(l.pa)))),
        set(l.pa, i32Add(get(l.pa), i32(4))),
        set(l.pb, i32Add(get(l.pb), i32(4))),
        set(l.j, i32Add(get(l.j), i32(1))),
      ),
      brIf(0, i32LtS(get(l.j), get(l.len))),
    ),
  ];
  return ifElse(unitSteps(l), [addUnit], [strideLoop(l, f32Store(get(l.pb), f32Add(f32Load(get(l.pb)), f32Load(get(l.pa)))))]);
};

// Table kernels: rows, len, sx, so, aOffsets, bOffsets, src, dst; then the locals r, pa, pb, j.
const T = { rows: 0, len: 1, sx: 2, so: 3, aOff: 4, bOff: 5, src: 6, dst: 7, r: 8, pa: 9, pb: 10, j: 11 };

/** `pa`/`pb` := the first element of row `r` in the source and the destination. */
const tableRowStart: Code = [
  ...set(T.pa, i32Add(get(T.src), i32Shl(i32Load(i32Add(get(T.aOff), i32Shl(get(T.r), i32(2)))), i32(2)))),
  ...set(T.pb, i32Add(get(T.dst), i32Shl(i32Load(i32Add(get(T.bOff), i32Shl(get(T.r), i32(2)))), i32(2)))),
];

/**
 * A kernel over rows listed in two tables: row `r` of `len` elements goes
 * from `src + 4·a[r]` (stepping `sx` bytes) to `dst + 4·b[r]` (stepping `so`).
 */
const tableRows = (name: string, op: RowOp): WasmFunction => ({
  name,
  params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
  results: [],
  locals: ['i32', 'i32', 'i32', 'i32'],
  body: forLoop(T.r, i32(0), get(T.rows), 1, [tableRowStart, op(T)]),
});

// Window-grid kernels: len, sx, so; N, C, KH, OH; a0, aN, aC, aKH, aOH; b0, bN, bC, bKH, bOH;
// sh, dh, ph, H; then the locals n, c, kh, oh, pa, pb, j, ih.
const G = {
  len: 0, sx: 1, so: 2, N: 3, C: 4, KH: 5, OH: 6,
  a0: 7, aN: 8, aC: 9, aKH: 10, aOH: 11, b0: 12, bN: 13, bC: 14, bKH: 15, bOH: 16,
  sh: 17, dh: 18, ph: 19, H: 20,
  n: 21, c: 22, kh: 23, oh: 24, pa: 25, pb: 26, j: 27, ih: 28,
};

/** `base + n·stepN + c·stepC + kh·stepKH + oh·stepOH`: a row's first byte on one side. */
const gridAddress = (base: number, n: number, c: number, kh: number, oh: number): Code =>
  i32Add(
    i32Add(get(base), i32Mul(get(G.n), get(n))),
    i32Add(i32Add(i32Mul(get(G.c), get(c)), i32Mul(get(G.kh), get(kh))), i32Mul(get(G.oh), get(oh))),
  );

/**
 * A kernel over the rows of one kernel column of a convolution: for n, c,
 * kh, oh in that order, the row at the affine addresses `a` and `b` of
 * (n, c, kh, oh), when its image row `ih = oh·sh + kh·dh − ph` is inside
 * `[0, H)`. The JS side works out the steps from the views' strides, so
 * no row table is built.
 */
const gridRows = (name: string, op: RowOp): WasmFunction => ({
  name,
  params: new Array<'i32'>(21).fill('i32'),
  results: [],
  locals: new Array<'i32'>(8).fill('i32'),
  body: forLoop(G.n, i32(0), get(G.N), 1, [
    forLoop(G.c, i32(0), get(G.C), 1, [
      forLoop(G.kh, i32(0), get(G.KH), 1, [
        forLoop(G.oh, i32(0), get(G.OH), 1, [
          set(G.ih, i32Sub(i32Add(i32Mul(get(G.oh), get(G.sh)), i32Mul(get(G.kh), get(G.dh))), get(G.ph))),
          ifElse(i32LtU(get(G.ih), get(G.H)), [
            set(G.pa, gridAddress(G.a0, G.aN, G.aC, G.aKH, G.aOH)),
            set(G.pb, gridAddress(G.b0, G.bN, G.bC, G.bKH, G.bOH)),
            op(G),
          ]),
        ]),
      ]),
    ]),
  ]),
});

/**
 * The module of the strided row kernels, over the shared memory:
 * `copyRows` and `addRows` (rows from tables) behind the wasm backend's
 * `copy` and `fold`, `im2colRows` and `col2imRows` (rows of a convolution's
 * window grid) behind `im2col` and `col2im`.
 *
 * @example
 * ```ts
 * const ex = rt.instantiate(stridedModuleBytes());
 * ```
 */
export function stridedModuleBytes(): Uint8Array {
  return emitModule([tableRows('copyRows', copyRow), tableRows('addRows', addRow), gridRows('im2colRows', copyRow), gridRows('col2imRows', addRow)]);
}
