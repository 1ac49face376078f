import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, autogradGrad, broadcastShapes, configureStoragePool, tensor, type DType } from '@tapegrad/core';
import { rng } from './seeded-random.js';

// Seeded differential random programs: views (taken before or after in-place
// writes into their base), broadcasts, in-place writes, deep left- and
// right-leaning elementwise chains on tensors of 4096 elements (the deferred,
// fused path of the wasm backend) and gradients of gradients. Each program
// runs in float32 on the active backend and in float64, in two forms that are
// the same program in PyTorch's semantics: views taken where the program takes
// them ("held"), and views taken again from their base at each use ("fresh",
// so no view outlives a write into its base). The float64 fresh run is the
// reference; the float32 held run is run again with collected storage
// recycled and the collector forced between steps (when node exposes gc).
// TAPEGRAD_FUZZ_RUNS=500 runs more programs; TAPEGRAD_FUZZ_SEED picks the seed.

const RUNS = Number(process.env.TAPEGRAD_FUZZ_RUNS ?? 100);
const SEED = Number(process.env.TAPEGRAD_FUZZ_SEED ?? 20261206);
/** Right-deep fused chains deeper than this overflow the wasm stream buffers (tested in deep-chains.test.ts). */
const MAX_RIGHT_DEEP = 8;

const UNARY = ['sin', 'cos', 'tanh', 'sigmoid', 'neg', 'half', 'shift'] as const;
const BINARY = ['add', 'sub', 'mul'] as const;
const INPLACE = ['add_', 'sub_', 'mul_', 'mulScalar_', 'copy_', 'fill_'] as const;
const VIEWS = ['narrow', 'select', 'sliceStep', 'transpose', 'permute', 'unsqueeze', 'flatView', 'expand', 'diagonal', 'unfold'] as const;

type Step =
  | { readonly kind: 'unary'; readonly a: number; readonly op: (typeof UNARY)[number] }
  | { readonly kind: 'binary'; readonly a: number; readonly b: number; readonly op: (typeof BINARY)[number] }
  | { readonly kind: 'view'; readonly a: number; readonly view: (typeof VIEWS)[number]; readonly p: number }
  | { readonly kind: 'inplace'; readonly a: number; readonly b: number; readonly op: (typeof INPLACE)[number] }
  | { readonly kind: 'chain'; readonly a: number; readonly depth: number; readonly right: boolean; readonly ops: number };

interface Program {
  readonly rows: number;
  readonly cols: number;
  readonly dataSeed: number;
  readonly steps: readonly Step[];
  readonly doubleBackward: boolean;
}

const idx = fc.nat(63);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), a: idx, op: fc.constantFrom(...UNARY) }),
  fc.record({ kind: fc.constant('binary' as const), a: idx, b: idx, op: fc.constantFrom(...BINARY) }),
  { arbitrary: fc.record({ kind: fc.constant('view' as const), a: idx, view: fc.constantFrom(...VIEWS), p: fc.nat(1000) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('inplace' as const), a: idx, b: idx, op: fc.constantFrom(...INPLACE) }), weight: 3 },
  fc.record({ kind: fc.constant('chain' as const), a: idx, depth: fc.integer({ min: 1, max: MAX_RIGHT_DEEP }), right: fc.boolean(), ops: fc.nat(255) }),
);
const program: fc.Arbitrary<Program> = fc.record({
  rows: fc.integer({ min: 1, max: 4 }),
  cols: fc.integer({ min: 1, max: 5 }),
  dataSeed: fc.nat(1 << 20),
  steps: fc.array(step, { minLength: 1, maxLength: 16 }),
  doubleBackward: fc.boolean(),
});

/** One value of the program: a tensor, or a view taken (again) from another value. */
interface Value {
  readonly name: string;
  /** The index of the value whose storage this one shares at the root (itself when it owns it). */
  readonly root: number;
  readonly leaf: boolean;
  /** Whether elements share storage positions (expanded, overlapping windows): never written. */
  readonly overlapping: boolean;
  /** For a view: the value it was taken from and how. */
  readonly from: { readonly parent: number; readonly take: (t: Tensor) => Tensor; readonly code: string } | null;
  /** The tensor (for a view in the fresh form: as it was taken first). */
  readonly held: Tensor;
}

interface Outcome {
  readonly lines: readonly string[];
  readonly values: readonly Float64Array[];
  readonly loss: number;
  readonly grads: readonly Float64Array[];
  readonly grads2: readonly Float64Array[];
}

type Form = 'held' | 'fresh';

const shapeCode = (s: readonly number[]) => `[${s.join(', ')}]`;

/** A view of `t` by `kind`, or null where it does not apply (or would copy). */
function viewFor(kind: (typeof VIEWS)[number], t: Tensor, p: number): { take: (t: Tensor) => Tensor; code: string; overlapping: boolean } | null {
  const s = t.shape;
  const d = s.length === 0 ? 0 : p % s.length;
  const n = s[d] ?? 0;
  const v = (code: string, take: (t: Tensor) => Tensor, overlapping = false) => ({ take, code, overlapping });
  switch (kind) {
    case 'narrow': {
      if (n < 2) return null;
      const start = p % (n - 1);
      const len = 1 + ((p >> 3) % (n - start));
      return v(`.narrow(${d}, ${start}, ${len})`, (x) => x.narrow(d, start, len));
    }
    case 'select':
      return n < 1 ? null : v(`.select(${d}, ${p % n})`, (x) => x.select(d, p % n));
    case 'sliceStep':
      return n < 2 ? null : v(`.slice(${d}, ${p % 2}, undefined, 2)`, (x) => x.slice(d, p % 2, undefined, 2));
    case 'transpose':
      return s.length < 2 ? null : v('.transpose(0, 1)', (x) => x.transpose(0, 1));
    case 'permute': {
      if (s.length < 2) return null;
      const dims = s.map((_, i) => s.length - 1 - i);
      return v(`.permute(${shapeCode(dims)})`, (x) => x.permute(dims));
    }
    case 'unsqueeze': {
      const at = p % (s.length + 1);
      return v(`.unsqueeze(${at})`, (x) => x.unsqueeze(at));
    }
    case 'flatView':
      // reshape copies a non-contiguous tensor: no longer a view, so not the same program in both forms
      return !t.isContiguous() || s.length === 0 ? null : v('.view([-1])', (x) => x.view([-1]));
    case 'diagonal': {
      if (!t.isContiguous() || s.length !== 2) return null;
      const step = s[1]! + 1;
      return v(`.view([-1]).slice(0, 0, undefined, ${step})`, (x) => x.view([-1]).slice(0, 0, undefined, step));
    }
    case 'expand':
      return v(`.unsqueeze(0).expand(${shapeCode([2, ...s])})`, (x) => x.unsqueeze(0).expand([2, ...s]), true);
    case 'unfold':
      return n < 2 ? null : v(`.unfold(${d}, 2, 1)`, (x) => x.unfold(d, 2, 1), true);
  }
}

const fits = (target: readonly number[], other: readonly number[]): boolean => {
  try {
    const b = broadcastShapes('fuzz', target, other);
    return b.length === target.length && b.every((x, i) => x === target[i]);
  } catch {
    return false;
  }
};
const broadcasts = (a: readonly number[], b: readonly number[]): boolean => {
  try {
    broadcastShapes('fuzz', a, b);
    return true;
  } catch {
    return false;
  }
};

/** The data of input `k`: deterministic values in [-1, 1]. */
function inputData(shape: readonly number[], seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1);
}

/**
 * Runs `prog` in `dtype` and `form`, with `between` called after every step,
 * and returns its values, loss and gradients (as float64) with the program as
 * TypeScript lines.
 */
async function run(
  prog: Program,
  dtype: DType,
  form: Form,
  between: () => Promise<void> = async () => {},
  lines: string[] = [],
): Promise<Outcome> {
  const vals: Value[] = [];
  // Roots whose values some recorded op saved for its rule: a later write into them
  // would make backward refuse (as PyTorch does), so the program does not write them.
  const saved = new Set<number>();
  const make = (t: Tensor, code: string, extra: Partial<Value> = {}): number => {
    const i = vals.length;
    const name = `v${i}`;
    vals.push({ name, root: i, leaf: false, overlapping: false, from: null, held: t, ...extra });
    lines.push(`const ${name} = ${code};`);
    return i;
  };
  /** The tensor of value i now: in the fresh form a view is taken again from its base. */
  const get = (i: number): Tensor => {
    const v = vals[i]!;
    return form === 'fresh' && v.from !== null ? v.from.take(get(v.from.parent)) : v.held;
  };
  const leaves: Tensor[] = [];
  const leafNames: string[] = [];
  const input = (shape: number[], k: number) => {
    const t = tensor(inputData(shape, prog.dataSeed + k), { dtype }).reshape(shape).detach().requiresGrad_();
    leaves.push(t);
    const i = vals.length;
    vals.push({ name: `v${i}`, root: i, leaf: true, overlapping: false, from: null, held: t });
    lines.push(`const v${i} = input(${shapeCode(shape)}, ${prog.dataSeed + k});`);
    leafNames.push(`v${i}`);
  };
  const { rows, cols } = prog;
  input([rows, cols], 0);
  input([cols], 1);
  input([rows, 1], 2);
  input([64, 64], 3); // 4096 elements: the deferred, fused path on wasm
  input([64], 4);
  const pick = (k: number) => k % vals.length;
  /** `b` as an operand that broadcasts to (or with) `shape`, else its mean. */
  const operand = (b: number, ok: (s: readonly number[]) => boolean): [Tensor, string] => {
    const t = get(b);
    return ok(t.shape) ? [t, vals[b]!.name] : [t.mean(), `${vals[b]!.name}.mean()`];
  };
  for (const st of prog.steps) {
    switch (st.kind) {
      case 'unary': {
        const a = pick(st.a);
        const t = get(a);
        const n = vals[a]!.name;
        const ops = {
          sin: [() => t.sin(), `${n}.sin()`],
          cos: [() => t.cos(), `${n}.cos()`],
          tanh: [() => t.tanh(), `${n}.tanh()`],
          sigmoid: [() => t.sigmoid(), `${n}.sigmoid()`],
          neg: [() => t.neg(), `${n}.neg()`],
          half: [() => t.mul(0.5), `${n}.mul(0.5)`],
          shift: [() => t.add(0.25), `${n}.add(0.25)`],
        } as const;
        const [f, code] = ops[st.op];
        const out = make(f(), code);
        if (st.op === 'sin' || st.op === 'cos') saved.add(vals[a]!.root);
        if (st.op === 'tanh' || st.op === 'sigmoid') saved.add(out);
        break;
      }
      case 'binary': {
        const a = pick(st.a);
        const t = get(a);
        const [o, oc] = operand(pick(st.b), (s) => broadcasts(t.shape, s));
        make(t[st.op](o), `${vals[a]!.name}.${st.op}(${oc})`);
        if (st.op === 'mul') {
          saved.add(vals[a]!.root);
          saved.add(vals[pick(st.b)]!.root);
        }
        break;
      }
      case 'view': {
        const a = pick(st.a);
        const t = get(a);
        const v = viewFor(st.view, t, st.p);
        if (v === null) continue;
        make(v.take(t), `${vals[a]!.name}${v.code}`, {
          root: vals[a]!.root,
          leaf: vals[a]!.leaf,
          overlapping: v.overlapping || vals[a]!.overlapping,
          from: { parent: a, take: v.take, code: v.code },
        });
        if (form === 'fresh') lines[lines.length - 1] += ' // taken again from its base at each use';
        break;
      }
      case 'inplace': {
        const a = pick(st.a);
        const target = vals[a]!;
        if (target.leaf || target.overlapping || saved.has(target.root)) continue;
        const t = get(a);
        const b = pick(st.b);
        // an operand over the target's storage is read through its mean (a fresh tensor)
        const same = vals[b]!.root === target.root;
        const [o, oc] = same ? [get(b).mean(), `${vals[b]!.name}.mean()`] : operand(b, (s) => fits(t.shape, s));
        const n = target.name;
        switch (st.op) {
          case 'add_': t.add_(o); lines.push(`${n}.add_(${oc});`); break;
          case 'sub_': t.sub_(o, 0.5); lines.push(`${n}.sub_(${oc}, 0.5);`); break;
          case 'mul_': t.mul_(o); lines.push(`${n}.mul_(${oc});`); saved.add(same ? -1 : vals[b]!.root); break;
          case 'mulScalar_': t.mul_(-0.75); lines.push(`${n}.mul_(-0.75);`); break;
          case 'copy_': t.copy_(o); lines.push(`${n}.copy_(${oc});`); break;
          case 'fill_': t.fill_(0.5); lines.push(`${n}.fill_(0.5);`); break;
        }
        break;
      }
      case 'chain': {
        const a = pick(st.a);
        const t = get(a);
        const n = vals[a]!.name;
        let acc = t;
        let code = n;
        for (let i = 0; i < st.depth; i++) {
          const mul = ((st.ops >> i) & 1) === 1;
          if (st.right) {
            acc = mul ? t.mul(acc) : t.sub(acc);
            code = `${n}.${mul ? 'mul' : 'sub'}(${code})`;
          } else {
            acc = mul ? acc.mul(t) : acc.sub(t).mul(0.5);
            code = mul ? `${code}.mul(${n})` : `${code}.sub(${n}).mul(0.5)`;
          }
          if (mul) saved.add(vals[a]!.root);
        }
        make(acc, code);
        if ((st.ops & ((1 << st.depth) - 1)) !== 0) saved.add(vals.length - 1);
        break;
      }
    }
    await between();
  }
  // The loss reads every value as it is now, each with its own weight.
  let loss = get(0).tanh().sum();
  for (let i = 1; i < vals.length; i++) loss = loss.add(get(i).tanh().sum().mul(1 / (i + 1))); // weighted(vals)
  lines.push(`const loss = weighted([${vals.map((v) => v.name).join(', ')}]);`);
  const values = vals.map((_, i) => Float64Array.from(get(i).data as ArrayLike<number>));
  let grads: Tensor[];
  let grads2: Tensor[] = [];
  if (prog.doubleBackward) {
    grads = autogradGrad([loss], leaves, undefined, { createGraph: true, allowUnused: true });
    lines.push(`const inputs = [${leafNames.join(', ')}];`);
    lines.push('const grads = autogradGrad([loss], inputs, undefined, { createGraph: true, allowUnused: true });');
    let l2 = grads[0]!.square().sum();
    for (const g of grads.slice(1)) l2 = l2.add(g.square().sum());
    lines.push('const grads2 = autogradGrad([grads.map((g) => g.square().sum()).reduce((a, b) => a.add(b))], inputs, undefined, { allowUnused: true });');
    grads2 = l2.requiresGrad ? autogradGrad([l2], leaves, undefined, { allowUnused: true }) : leaves.map((l) => l.mul(0).detach());
  } else {
    loss.backward();
    lines.push(`loss.backward(); // then compare ${leafNames.map((n) => `${n}.grad`).join(', ')}`);
    grads = leaves.map((l) => l.grad ?? l.mul(0).detach());
  }
  const f64 = (t: Tensor) => Float64Array.from(t.data as ArrayLike<number>);
  return { lines, values, loss: loss.item(), grads: grads.map(f64), grads2: grads2.map(f64) };
}

/** Whether `a` matches `b` within `atol + rtol·max|b|` (a relative-to-the-largest comparison: chains differ in float32 mostly there). */
function within(a: Float64Array, b: Float64Array, rtol: number, atol: number): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  let scale = 0;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= atol + rtol * Math.max(scale, Math.abs(b[i]!))) && !(Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) {
      return `element ${i}: ${a[i]} vs ${b[i]} (scale ${scale})`;
    }
  }
  return null;
}

function compare(what: string, got: Outcome, want: Outcome, rtol: number, atol: number): string | null {
  const pairs: [string, Float64Array, Float64Array][] = [
    ['loss', Float64Array.of(got.loss), Float64Array.of(want.loss)],
    ...got.values.map((v, i): [string, Float64Array, Float64Array] => [`value v${i}`, v, want.values[i]!]),
    ...got.grads.map((g, i): [string, Float64Array, Float64Array] => [`gradient of v${i}`, g, want.grads[i]!]),
    ...got.grads2.map((g, i): [string, Float64Array, Float64Array] => [`second-order gradient of v${i}`, g, want.grads2[i]!]),
  ];
  for (const [name, a, b] of pairs) {
    const bad = within(a, b, rtol, atol);
    if (bad !== null) return `${what}: ${name} differs at ${bad}`;
  }
  return null;
}

const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
let steps = 0;
/** A young-generation collection after every step (cheap) and a full one every eighth, then a task boundary, where the collector's callbacks run. */
const collect = async (): Promise<void> => {
  gc?.({ type: ++steps % 8 === 0 ? 'major' : 'minor' });
  await new Promise((resolve) => setImmediate(resolve));
};

/** Every check of one program; the first difference found, or null. */
async function differences(prog: Program): Promise<string | null> {
  const reference = await run(prog, 'float64', 'fresh');
  const held64 = await run(prog, 'float64', 'held');
  const held32 = await run(prog, 'float32', 'held');
  const fresh32 = await run(prog, 'float32', 'fresh');
  configureStoragePool({ recycleCollected: true });
  let collected: Outcome;
  try {
    collected = await run(prog, 'float32', 'held', collect);
  } finally {
    configureStoragePool({ recycleCollected: false });
  }
  return (
    compare('float64, views held across writes vs taken after them', held64, reference, 1e-9, 1e-12) ??
    compare('float32 (active backend), views held vs float64 reference', held32, reference, 2e-3, 1e-4) ??
    compare('float32 (active backend), views taken after writes vs float64 reference', fresh32, reference, 2e-3, 1e-4) ??
    compare('float32 with collected storage recycled and forced collections vs without', collected, held32, 1e-6, 1e-7)
  );
}

function reproduction(prog: Program, lines: readonly string[], problem: string): string {
  return [
    `A random program differs (${problem}). Shrunk reproduction:`,
    '  // import { rng } from \'./seeded-random.js\'; dtype float32 or float64',
    '  const input = (shape: number[], seed: number) => {',
    '    const r = rng(seed);',
    '    return tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1), { dtype }).reshape(shape).detach().requiresGrad_();',
    '  };',
    '  const weighted = (vs: Tensor[]) => vs.map((v, i) => v.tanh().sum().mul(1 / (i + 1))).reduce((a, b) => a.add(b));',
    ...lines.map((l) => `  ${l}`),
  ].join('\n');
}

describe('random programs of views, broadcasts, in-place writes, fused chains and double backward', () => {
  it(`agree in float32 and float64, with views held across writes or taken after them (${RUNS} programs, seed ${SEED})`, async () => {
    const result = await fc.check(
      fc.asyncProperty(program, async (prog) => {
        let problem: string | null;
        try {
          problem = await differences(prog);
        } catch (e) {
          problem = `it threw ${String(e)}`;
        }
        return problem === null;
      }),
      // shrinking stops after a minute with the smallest program found so far
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
    );
    if (result.failed && result.counterexample !== null) {
      const [prog] = result.counterexample;
      const problem = (await differences(prog).catch((e: unknown) => `it threw ${String(e)}`)) ?? 'not again';
      const lines: string[] = [];
      await run(prog, 'float64', 'held', undefined, lines).catch((e: unknown) => lines.push(`// throws here: ${String(e)}`));
      expect.fail(`${reproduction(prog, lines, problem)}\n(fast-check seed ${SEED}, path ${result.counterexamplePath})`);
    }
  }, 120_000);
});
