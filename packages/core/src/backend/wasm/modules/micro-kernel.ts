import {
  block,
  brIf,
  f32,
  f32Add,
  f32Load,
  f32Store,
  f32x4Add,
  f32x4Mul,
  f32x4RelaxedMadd,
  f64,
  f64Add,
  f64Load,
  f64Store,
  f64x2Add,
  f64x2Mul,
  f64x2RelaxedMadd,
  forLoop,
  get,
  i32,
  i32Add,
  i32And,
  i32GeS,
  i32GeU,
  i32Load,
  i32LtU,
  i32Mul,
  i32Shl,
  i32Sub,
  ifElse,
  loop,
  select,
  set,
  v128Load,
  v128Load32Splat,
  v128Load64Splat,
  v128Store,
  type Code,
  type ValType,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';

/**
 * Register tile of the micro-kernel: `MR` rows of A times `NR` columns of B
 * (`NR` a multiple of 4) held in `MR·NR/4` SIMD accumulators. 4×8 needs 8
 * accumulators + 2 B vectors + 4 broadcasts of A (TurboFan loads them all
 * before the arithmetic) + 1 product temporary: all 15 xmm registers V8
 * allocates on x64. Taller or wider tiles (5×8, 6×8, 4×12, 3×16) spill an
 * accumulator inside the loop, which costs more than their larger tile saves.
 *
 * @example
 * ```ts
 * matmulModuleBytes({ mr: 4, nr: 8 });
 * ```
 */
export interface MicroTile {
  readonly mr: number;
  readonly nr: number;
}

/**
 * The element type a matmul module computes in: float32 (four lanes per
 * vector) or float64 (two).
 *
 * @example
 * ```ts
 * matmulModuleBytes({ mr: 4, nr: 4 }, undefined, 'float64');
 * ```
 */
export type MatmulElement = 'float32' | 'float64';

/**
 * What the generators need of an element type: sizes, loads and stores, and
 * the multiply-add of the micro-kernel.
 *
 * @example
 * ```ts
 * const e = elementOps('float32', false);
 * e.madd(get(acc), get(a), get(b)); // acc + a·b
 * ```
 */
export interface ElementOps {
  readonly bytes: number;
  /** log2(bytes), to scale element offsets into byte offsets. */
  readonly shift: number;
  readonly lanes: number;
  /** `acc + a·b` per lane: a multiply and an add, or one relaxed multiply-add. */
  readonly madd: (acc: Code, a: Code, b: Code) => Code;
  readonly vAdd: (a: Code, b: Code) => Code;
  readonly splat: (addr: Code, offset: number) => Code;
  readonly load: (addr: Code, offset?: number) => Code;
  readonly store: (addr: Code, v: Code, offset?: number) => Code;
  readonly add: (a: Code, b: Code) => Code;
  readonly zero: Code;
}

/**
 * The operations of `element`; with `fma`, the micro-kernel's multiply-add
 * is relaxed SIMD's `relaxed_madd` (one instruction, fused where the CPU
 * has FMA), which only engines with relaxed SIMD compile.
 *
 * @example
 * ```ts
 * elementOps('float64', true).lanes; // 2
 * ```
 */
export function elementOps(element: MatmulElement, fma: boolean): ElementOps {
  if (element === 'float64') {
    return {
      bytes: 8, shift: 3, lanes: 2,
      madd: fma ? (acc, a, b) => f64x2RelaxedMadd(a, b, acc) : (acc, a, b) => f64x2Add(acc, f64x2Mul(a, b)),
      vAdd: f64x2Add, splat: v128Load64Splat, load: f64Load, store: f64Store, add: f64Add, zero: f64(0),
    };
  }
  return {
    bytes: 4, shift: 2, lanes: 4,
    madd: fma ? (acc, a, b) => f32x4RelaxedMadd(a, b, acc) : (acc, a, b) => f32x4Add(acc, f32x4Mul(a, b)),
    vAdd: f32x4Add, splat: v128Load32Splat, load: f32Load, store: f32Store, add: f32Add, zero: f32(0),
  };
}

/**
 * Steps of k per iteration of the micro-kernel's loop. TurboFan schedules all
 * loads of a basic block before its arithmetic, so the operands of every step
 * in one block are live at once: one step's (2 B vectors + 4 broadcasts of A)
 * already fill the registers beside the accumulators, and two steps in one
 * block spill accumulators to the stack (half speed). Each unrolled step but
 * the last therefore ends in the loop's exit test for an odd count of steps,
 * a branch that starts a new block; measured +15–20% over one step per
 * iteration (less loop overhead), while 3 and 4 run out of integer registers.
 */
const UNROLL = 2;

/**
 * Where the micro-kernel reads B's `NR` values of each step of k:
 * - `'packed'`: a packed panel, `NR` floats per step one after another
 *   (`micro(kc, ap, bp, c, ldc, add)`);
 * - `'table'`: at `b + offsets[k]`, the byte offsets read from a table of
 *   `i32` (`micro(kc, ap, b, table, c, ldc, add)`). A stride-1 convolution
 *   reads its image this way: step k = (channel, kh, kw) of a window is the
 *   image row `kh` lines and `kw` floats on from the window's corner, and
 *   `NR` windows side by side read `NR` consecutive floats.
 *
 * @example
 * ```ts
 * microKernel({ mr: 4, nr: 8 }, elementOps('float32', false), 'table');
 * ```
 */
export type BSource = 'packed' | 'table';

/**
 * `micro`: `C[MR×NR] (+)= Apanel · B` over `kc ≥ 1` steps, where A's panel
 * is packed (`MR` values per step) and B is read as `source` says; C is at
 * byte address `c` with rows `ldc` bytes apart. `add = 0` stores the product
 * (C's old contents are never read, so C needs no zeroing), `add = 1` adds
 * it to C. With `withBias`, a last param `bias`: 0, or the byte address of
 * `MR` values that row r's sums start from (a convolution's bias for its
 * output channels), so that C receives bias + product with no pass of its own.
 *
 * @example
 * ```ts
 * emitModule([microKernel({ mr: 4, nr: 8 }, elementOps('float32', false), 'packed')]);
 * ```
 */
export function microKernel({ mr, nr }: MicroTile, e: ElementOps, source: BSource, withBias = false): WasmFunction {
  const nv = nr / e.lanes;
  const table = source === 'table';
  // Params: kc, ap, then B's pointer (packed) or B's base and the table's pointer, then c, ldc, add (and bias).
  const [kc, ap] = [0, 1];
  const [bBase, cursor] = table ? [2, 3] : [-1, 2];
  const [c, ldc, add] = table ? [4, 5, 6] : [3, 4, 5];
  const bias = add + 1;
  const params = add + 1 + (withBias ? 1 : 0);
  let next = params;
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => next++));
  const b = Array.from({ length: nv }, () => next++);
  const a = next++;
  const vectors = next - params;
  const [end, row, offset] = [next++, next++, next++];
  // exits[u]: the cursor at or past this, only u + 1 steps remain.
  const exits = Array.from({ length: UNROLL - 1 }, () => next++);
  const locals: ValType[] = [...Array<ValType>(vectors).fill('v128'), ...Array<ValType>(next - params - vectors).fill('i32')];
  // Bytes the cursor moves per step: a packed step of B, or one table entry.
  const stepBytes = table ? 4 : e.bytes * nr;
  // Step `u` of an iteration; offsets stay in the loads' immediates, which V8 hoists out of the loop.
  const step = (u: number): Code[] => {
    const code: Code[] = [];
    if (table) {
      code.push(set(offset, i32Add(get(bBase), i32Load(get(cursor), 4 * u))));
      for (let v = 0; v < nv; v++) code.push(set(b[v]!, v128Load(get(offset), 16 * v)));
    } else {
      for (let v = 0; v < nv; v++) code.push(set(b[v]!, v128Load(get(cursor), e.bytes * nr * u + 16 * v)));
    }
    for (let r = 0; r < mr; r++) {
      code.push(set(a, e.splat(get(ap), e.bytes * (mr * u + r))));
      for (let v = 0; v < nv; v++) code.push(set(acc[r]![v]!, e.madd(get(acc[r]![v]!), get(a), get(b[v]!))));
    }
    return code;
  };
  const store = (accumulate: boolean): Code[] => {
    const code: Code[] = [];
    for (let r = 0; r < mr; r++) {
      code.push(set(row, i32Add(get(c), i32Mul(get(ldc), i32(r)))));
      for (let v = 0; v < nv; v++) {
        const sum = accumulate ? e.vAdd(v128Load(get(row), 16 * v), get(acc[r]![v]!)) : get(acc[r]![v]!);
        code.push(v128Store(get(row), sum, 16 * v));
      }
    }
    return code;
  };
  const iteration: Code[] = [];
  for (let u = 0; u < UNROLL; u++) {
    iteration.push(...step(u));
    if (u < UNROLL - 1) iteration.push(brIf(1, i32GeU(get(cursor), get(exits[u]!))));
  }
  // Accumulators start at zero (WebAssembly zero-initialises locals), or at
  // their row's bias. The loop ends when the cursor reaches its end, which
  // needs no separate counter.
  const fromBias: Code[] = [];
  for (let r = 0; r < mr; r++) {
    fromBias.push(set(a, e.splat(get(bias), e.bytes * r)));
    for (let v = 0; v < nv; v++) fromBias.push(set(acc[r]![v]!, get(a)));
  }
  const body = [
    ...(withBias ? ifElse(get(bias), fromBias) : []),
    ...set(end, i32Add(get(cursor), i32Mul(get(kc), i32(stepBytes)))),
    ...exits.flatMap((x, u) => set(x, i32Sub(get(end), i32(stepBytes * (u + 1))))),
    ...block(
      loop(
        ...iteration,
        set(ap, i32Add(get(ap), i32(e.bytes * mr * UNROLL))),
        set(cursor, i32Add(get(cursor), i32(stepBytes * UNROLL))),
        brIf(0, i32LtU(get(cursor), get(end))),
      ),
    ),
    ...ifElse(get(add), store(true), store(false)),
  ];
  return { name: 'micro', params: Array<ValType>(params).fill('i32'), results: [], locals, body };
}

/**
 * The code of one tile of C at `cAddr` that may be cut by C's edge: `full`
 * (the micro-kernel's call straight into C) when `rows ≥ MR` and `cols ≥ NR`,
 * else `intoTile` (the same call into the scratch `tile`, rows `NR` values
 * apart) and a copy of its valid `rows × cols` part into C, stored or added
 * as `add` says. `locals` are five i32 scratch locals.
 *
 * @example
 * ```ts
 * edgeTile(tile, e, { rows: left(mc, ir), cols: left(nc, jr), cAddr, ldc, tile: tileAt, add }, [rows, cols, i, j, cij], full, intoTile);
 * ```
 */
export function edgeTile(
  { mr, nr }: MicroTile,
  e: ElementOps,
  at: { readonly rows: Code; readonly cols: Code; readonly cAddr: number; readonly ldc: number; readonly tile: number; readonly add: number },
  [rows, cols, i, j, cij]: readonly [number, number, number, number, number],
  full: Code,
  intoTile: Code,
): Code {
  const copy: Code[] = [
    intoTile,
    set(rows, select(i32(mr), at.rows, i32GeS(at.rows, i32(mr)))),
    set(cols, select(i32(nr), at.cols, i32GeS(at.cols, i32(nr)))),
    forLoop(i, i32(0), get(rows), 1, [
      forLoop(j, i32(0), get(cols), 1, [
        set(cij, i32Add(i32Add(get(at.cAddr), i32Mul(get(i), get(at.ldc))), i32Shl(get(j), i32(e.shift)))),
        e.store(
          get(cij),
          e.add(
            // select, not a branch: C's old contents may be anything (even NaN) when add = 0.
            select(e.load(get(cij)), e.zero, get(at.add)),
            e.load(i32Add(get(at.tile), i32Shl(i32Add(i32Mul(get(i), i32(nr)), get(j)), i32(e.shift)))),
          ),
        ),
      ]),
    ]),
  ];
  return ifElse(i32And(i32GeS(at.rows, i32(mr)), i32GeS(at.cols, i32(nr))), [full], copy);
}
