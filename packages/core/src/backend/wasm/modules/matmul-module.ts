import {
  call,
  emitModule,
  f32,
  f32Add,
  f32Load,
  f32Store,
  f64,
  f64Add,
  f64Load,
  f64Store,
  f64x2Add,
  f64x2Mul,
  f32x4Add,
  f32x4Mul,
  f32x4Shuffle,
  forLoop,
  get,
  i32,
  i32Add,
  i32And,
  i32Eq,
  i32GeS,
  i32GeU,
  i32LtS,
  i32LtU,
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
 * The element type a matmul module computes in: float32 (four lanes per
 * vector) or float64 (two).
 *
 * @example
 * ```ts
 * matmulModuleBytes({ mr: 4, nr: 4 }, undefined, 'float64');
 * ```
 */
export type MatmulElement = 'float32' | 'float64';

/** What the generators need of an element type. */
interface Elem {
  readonly bytes: number;
  /** log2(bytes), to scale element offsets into byte offsets. */
  readonly shift: number;
  readonly lanes: number;
  readonly vAdd: (a: Code, b: Code) => Code;
  readonly vMul: (a: Code, b: Code) => Code;
  readonly splat: (addr: Code, offset: number) => Code;
  readonly load: (addr: Code, offset?: number) => Code;
  readonly store: (addr: Code, v: Code, offset?: number) => Code;
  readonly add: (a: Code, b: Code) => Code;
  readonly zero: Code;
}

const ELEMS: Record<MatmulElement, Elem> = {
  float32: { bytes: 4, shift: 2, lanes: 4, vAdd: f32x4Add, vMul: f32x4Mul, splat: v128Load32Splat, load: f32Load, store: f32Store, add: f32Add, zero: f32(0) },
  float64: { bytes: 8, shift: 3, lanes: 2, vAdd: f64x2Add, vMul: f64x2Mul, splat: v128Load64Splat, load: f64Load, store: f64Store, add: f64Add, zero: f64(0) },
};

/** Function indices, in the order `matmulModuleBytes` emits them. */
const MICRO = 0;
const MACRO = 1;
const PACK_A = 2;

/**
 * `micro(kc, ap, bp, c, ldc, add)`: `C[MR×NR] (+)= Apanel · Bpanel` over
 * `kc ≥ 1` steps, where the panels are packed (`MR` floats of A, then `NR`
 * floats of B per step) and C is at byte address `c` with rows `ldc` bytes
 * apart; `add = 0` stores the product (C's old contents are never read, so C
 * needs no zeroing), `add = 1` adds it to C.
 */
function micro({ mr, nr }: MicroTile, e: Elem): WasmFunction {
  const nv = nr / e.lanes;
  const [kc, ap, bp, c, ldc, add] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => next++));
  const b = Array.from({ length: nv }, () => next++);
  const a = next++;
  const vectors = next - 6;
  const [bEnd, row] = [next++, next++];
  // exits[u]: B's pointer at or past this, only u + 1 steps remain.
  const exits = Array.from({ length: UNROLL - 1 }, () => next++);
  const locals: ValType[] = [...Array<ValType>(vectors).fill('v128'), ...Array<ValType>(next - 6 - vectors).fill('i32')];
  // Step `u` of an iteration; A's offsets stay in the load's immediate, which V8 hoists out of the loop.
  const step = (u: number): Code[] => {
    const code: Code[] = [];
    for (let v = 0; v < nv; v++) code.push(set(b[v]!, v128Load(get(bp), e.bytes * nr * u + 16 * v)));
    for (let r = 0; r < mr; r++) {
      code.push(set(a, e.splat(get(ap), e.bytes * (mr * u + r))));
      for (let v = 0; v < nv; v++) code.push(set(acc[r]![v]!, e.vAdd(get(acc[r]![v]!), e.vMul(get(a), get(b[v]!)))));
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
    if (u < UNROLL - 1) iteration.push(brIf(1, i32GeU(get(bp), get(exits[u]!))));
  }
  // Accumulators start at zero: WebAssembly zero-initialises locals. The loop
  // ends when B's pointer reaches its end, which needs no separate counter.
  const body = [
    ...set(bEnd, i32Add(get(bp), i32Mul(get(kc), i32(e.bytes * nr)))),
    ...exits.flatMap((x, u) => set(x, i32Sub(get(bEnd), i32(e.bytes * nr * (u + 1))))),
    ...block(
      loop(
        ...iteration,
        set(ap, i32Add(get(ap), i32(e.bytes * mr * UNROLL))),
        set(bp, i32Add(get(bp), i32(e.bytes * nr * UNROLL))),
        brIf(0, i32LtU(get(bp), get(bEnd))),
      ),
    ),
    ...ifElse(get(add), store(true), store(false)),
  ];
  return { name: 'micro', params: Array<ValType>(6).fill('i32'), results: [], locals, body };
}

/**
 * `macro(mc, nc, kc, aPack, bPack, c, ldc, tile, add)`: `C[mc×nc] (+)= Ablock · Bblock`
 * over packed blocks, storing when `add = 0` (the first block of k) and adding
 * otherwise. Full tiles go straight to C; edge tiles are stored into the
 * scratch `tile` and their valid part copied or added to C.
 */
function macro({ mr, nr }: MicroTile, e: Elem): WasmFunction {
  const [mc, nc, kc, aPack, bPack, c, ldc, tile, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [jr, ir, bp, cAddr, rows, cols, i, j, ap, cij] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const remaining = (total: number, at: number, full: number): Code =>
    select(i32(full), i32Sub(get(total), get(at)), i32GeS(i32Sub(get(total), get(at)), i32(full)));
  const edge: Code[] = [
    call(MICRO, get(kc), get(ap), get(bp), get(tile), i32(nr * e.bytes), i32(0)),
    set(rows, remaining(mc, ir, mr)),
    set(cols, remaining(nc, jr, nr)),
    forLoop(i, i32(0), get(rows), 1, [
      forLoop(j, i32(0), get(cols), 1, [
        set(cij, i32Add(i32Add(get(cAddr), i32Mul(get(i), get(ldc))), i32Shl(get(j), i32(e.shift)))),
        e.store(
          get(cij),
          e.add(
            // select, not a branch: C's old contents may be anything (even NaN) when add = 0.
            select(e.load(get(cij)), e.zero, get(add)),
            e.load(i32Add(get(tile), i32Shl(i32Add(i32Mul(get(i), i32(nr)), get(j)), i32(e.shift)))),
          ),
        ),
      ]),
    ]),
  ];
  const body = forLoop(jr, i32(0), get(nc), nr, [
    set(bp, i32Add(get(bPack), i32Shl(i32Mul(get(jr), get(kc)), i32(e.shift)))),
    forLoop(ir, i32(0), get(mc), mr, [
      set(cAddr, i32Add(i32Add(get(c), i32Mul(get(ir), get(ldc))), i32Shl(get(jr), i32(e.shift)))),
      set(ap, i32Add(get(aPack), i32Shl(i32Mul(get(ir), get(kc)), i32(e.shift)))),
      ifElse(
        i32And(i32GeS(get(mc), i32Add(get(ir), i32(mr))), i32GeS(get(nc), i32Add(get(jr), i32(nr)))),
        [call(MICRO, get(kc), get(ap), get(bp), get(cAddr), get(ldc), get(add))],
        edge,
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
function pack(fnName: string, width: number, e: Elem): WasmFunction {
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
function rows(e: Elem): WasmFunction {
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
 * The bytes of the matmul module: `micro`, `macro`, `packA`, `packB`. With
 * `sharedMaxPages` it imports a shared memory of at most that many pages and
 * also exports `rows`, one thread's share of a block (see `rows` above).
 *
 * @example
 * ```ts
 * new WebAssembly.Module(matmulModuleBytes({ mr: 4, nr: 8 }));
 * new WebAssembly.Module(matmulModuleBytes({ mr: 4, nr: 8 }, 16384)); // for threads
 * ```
 */
export function matmulModuleBytes(tile: MicroTile, sharedMaxPages?: number, element: MatmulElement = 'float32'): Uint8Array {
  const e = ELEMS[element];
  const funcs = [micro(tile, e), macro(tile, e), pack('packA', tile.mr, e), pack('packB', tile.nr, e)];
  if (sharedMaxPages === undefined) return emitModule(funcs);
  return emitModule([...funcs, rows(e)], true, sharedMaxPages);
}
