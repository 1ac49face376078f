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
} from './wasm-emitter.js';

// Parameters shared by both kernels (byte addresses and byte strides):
// rows, len, sx, so, aOffsets, bOffsets, src, dst; then the locals.
const [ROWS, LEN, SX, SO, AOFF, BOFF, SRC, DST, R, PA, PB, J] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** `pa`/`pb` := the first element of row `r` in the source and the destination. */
const rowStart: Code = [
  ...set(PA, i32Add(get(SRC), i32Shl(i32Load(i32Add(get(AOFF), i32Shl(get(R), i32(2)))), i32(2)))),
  ...set(PB, i32Add(get(DST), i32Shl(i32Load(i32Add(get(BOFF), i32Shl(get(R), i32(2)))), i32(2)))),
];

/** `for j < len: element(pb) ⟵ element(pa); pa += sx; pb += so`. */
const strideLoop = (store: Code): Code => forLoop(J, i32(0), get(LEN), 1, [store, set(PA, i32Add(get(PA), get(SX))), set(PB, i32Add(get(PB), get(SO)))]);

/**
 * `copyRows`: row `r` of `len` float32 elements goes from `src + 4·a[r]`
 * (stepping `sx` bytes) to `dst + 4·b[r]` (stepping `so`); rows of unit
 * strides on both sides are one `memory.copy`. `addRows` adds instead of
 * copying (the overlap-add of `fold`), element by element in row order, as
 * the reference does.
 */
const copyRows: WasmFunction = {
  name: 'copyRows',
  params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
  results: [],
  locals: ['i32', 'i32', 'i32', 'i32'],
  body: forLoop(R, i32(0), get(ROWS), 1, [
    rowStart,
    ifElse(
      i32And(i32Eq(get(SX), i32(4)), i32Eq(get(SO), i32(4))),
      [memoryCopy(get(PB), get(PA), i32Mul(get(LEN), i32(4)))],
      [strideLoop(f32Store(get(PB), f32Load(get(PA))))],
    ),
  ]),
};

// Unit strides on both sides: four lanes at a time while a whole vector fits, then one by one.
const addUnit: Code = [
  ...forLoop(J, i32(0), i32Sub(get(LEN), i32(3)), 4, [
    v128Store(get(PB), f32x4Add(v128Load(get(PB)), v128Load(get(PA)))),
    set(PA, i32Add(get(PA), i32(16))),
    set(PB, i32Add(get(PB), i32(16))),
  ]),
  ...loop(
    block(
      brIf(0, i32GeS(get(J), get(LEN))),
      f32Store(get(PB), f32Add(f32Load(get(PB)), f32Load(get(PA)))),
      set(PA, i32Add(get(PA), i32(4))),
      set(PB, i32Add(get(PB), i32(4))),
      set(J, i32Add(get(J), i32(1))),
    ),
    brIf(0, i32LtS(get(J), get(LEN))),
  ),
];

const addRows: WasmFunction = {
  name: 'addRows',
  params: copyRows.params,
  results: [],
  locals: copyRows.locals,
  body: forLoop(R, i32(0), get(ROWS), 1, [
    rowStart,
    ifElse(
      i32And(i32Eq(get(SX), i32(4)), i32Eq(get(SO), i32(4))),
      [addUnit],
      [strideLoop(f32Store(get(PB), f32Add(f32Load(get(PB)), f32Load(get(PA)))))],
    ),
  ]),
};

/**
 * The module of the strided row kernels behind the wasm backend's `copy`
 * (im2col) and `fold` (col2im), over the shared memory.
 *
 * @example
 * ```ts
 * const ex = rt.instantiate(stridedModuleBytes());
 * ```
 */
export function stridedModuleBytes(): Uint8Array {
  return emitModule([copyRows, addRows]);
}
