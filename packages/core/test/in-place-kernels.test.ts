import { describe, expect, it } from 'vitest';
import { DTypeError, Generator, ShapeError, noGrad, rand, randint, tensor, type DType, type Tensor, type TensorLike } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';

// Every in-place op, written directly into self's storage when unrecorded,
// against its out-of-place form computed on a copy: on contiguous tensors and
// on strided views of a larger storage, with operands of every layout.

type Domain = 'any' | 'positive';

interface Spec {
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** How many tensor-like operands the op takes. */
  readonly arity: 0 | 1 | 2;
  /** Whether a plain number may stand for an operand. */
  readonly numbers: boolean;
  /** Where self and the operands are drawn from (sqrt_ and the divisors need positive values). */
  readonly domain: Domain;
  readonly inPlace: (self: Tensor, ops: TensorLike[], dtype: DType) => Tensor;
  readonly reference: (self: Tensor, ops: TensorLike[], dtype: DType) => Tensor;
}

const FLOATS: readonly DType[] = ['float32', 'float64'];
const NUMERIC: readonly DType[] = ['float32', 'float64', 'int32'];
const ALL: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';
/** A factor that keeps int results integral. */
const factor = (d: DType, f: number, i: number): number => (isFloat(d) ? f : i);
const t = (o: TensorLike | undefined): Tensor => o as Tensor;

const SPECS: readonly Spec[] = [
  { name: 'add_', dtypes: ALL, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.add_(o!), reference: (s, [o]) => s.add(o!) },
  {
    name: 'add_ with alpha',
    dtypes: NUMERIC,
    arity: 1,
    numbers: true,
    domain: 'any',
    inPlace: (s, [o], d) => s.add_(o!, factor(d, -0.3, 2)),
    reference: (s, [o], d) => s.add(typeof o === 'number' ? o * factor(d, -0.3, 2) : t(o).mul(factor(d, -0.3, 2))),
  },
  { name: 'sub_', dtypes: NUMERIC, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.sub_(o!), reference: (s, [o]) => s.sub(o!) },
  {
    name: 'sub_ with alpha',
    dtypes: NUMERIC,
    arity: 1,
    numbers: true,
    domain: 'any',
    inPlace: (s, [o], d) => s.sub_(o!, factor(d, 0.7, 3)),
    reference: (s, [o], d) => s.sub(typeof o === 'number' ? o * factor(d, 0.7, 3) : t(o).mul(factor(d, 0.7, 3))),
  },
  { name: 'mul_', dtypes: ALL, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.mul_(o!), reference: (s, [o]) => s.mul(o!) },
  { name: 'div_', dtypes: FLOATS, arity: 1, numbers: true, domain: 'positive', inPlace: (s, [o]) => s.div_(o!), reference: (s, [o]) => s.div(o!) },
  {
    name: 'addcmul_',
    dtypes: NUMERIC,
    arity: 2,
    numbers: false,
    domain: 'any',
    inPlace: (s, [a, b], d) => s.addcmul_(t(a), t(b), factor(d, 0.25, 3)),
    reference: (s, [a, b], d) => s.add(t(a).mul(t(b)).mul(factor(d, 0.25, 3))),
  },
  {
    name: 'addcdiv_',
    dtypes: FLOATS,
    arity: 2,
    numbers: false,
    domain: 'positive',
    inPlace: (s, [a, b]) => s.addcdiv_(t(a), t(b), -0.5),
    reference: (s, [a, b]) => s.add(t(a).div(t(b)).mul(-0.5)),
  },
  { name: 'lerp_', dtypes: FLOATS, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.lerp_(o!, 0.3), reference: (s, [o]) => s.add(tensorOf(o!, s).sub(s).mul(0.3)) },
  { name: 'sqrt_', dtypes: FLOATS, arity: 0, numbers: false, domain: 'positive', inPlace: (s) => s.sqrt_(), reference: (s) => s.sqrt() },
  {
    name: 'clamp_',
    dtypes: NUMERIC,
    arity: 0,
    numbers: false,
    domain: 'any',
    inPlace: (s, _, d) => s.clamp_(factor(d, -0.4, -2), factor(d, 0.6, 3)),
    reference: (s, _, d) => s.clamp(factor(d, -0.4, -2), factor(d, 0.6, 3)),
  },
  { name: 'clamp_ (min only)', dtypes: NUMERIC, arity: 0, numbers: false, domain: 'any', inPlace: (s) => s.clamp_(0), reference: (s) => s.clamp(0) },
  { name: 'maximum_', dtypes: NUMERIC, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.maximum_(o!), reference: (s, [o]) => s.maximum(o!) },
  { name: 'fill_', dtypes: ALL, arity: 0, numbers: false, domain: 'any', inPlace: (s, _, d) => s.fill_(factor(d, 0.1, 7)), reference: (s, _, d) => s.mul(0).add(factor(d, 0.1, 7)) },
  { name: 'zero_', dtypes: ALL, arity: 0, numbers: false, domain: 'any', inPlace: (s) => s.zero_(), reference: (s) => s.mul(0) },
  { name: 'copy_', dtypes: ALL, arity: 1, numbers: true, domain: 'any', inPlace: (s, [o]) => s.copy_(o!), reference: (s, [o]) => s.mul(0).add(o!) },
];

function tensorOf(o: TensorLike, like: Tensor): Tensor {
  return typeof o === 'number' ? tensor(o, { dtype: like.dtype }) : t(o);
}

let seed = 1;
function values(shape: number[], dtype: DType, domain: Domain): Tensor {
  const generator = new Generator(seed++);
  if (dtype === 'bool') return randint(0, 2, shape, { generator }).to('bool');
  if (dtype === 'int32') return domain === 'positive' ? randint(1, 6, shape, { generator }) : randint(-5, 6, shape, { generator });
  const u = rand(shape, { generator, dtype });
  return domain === 'positive' ? u.add(0.5) : u.mul(2).sub(1);
}

type SelfLayout = 'contiguous' | 'transposed' | 'stepped';
/** self of shape [R, C] in a layout, with the storage it lives in (to check what the view must not touch). */
function makeSelf(layout: SelfLayout, R: number, C: number, dtype: DType, domain: Domain): { self: Tensor; base: Tensor } {
  if (layout === 'contiguous') {
    const self = values([R, C], dtype, domain);
    return { self, base: self };
  }
  if (layout === 'transposed') {
    const base = values([C, R], dtype, domain);
    return { self: base.transpose(0, 1), base };
  }
  const base = values([R, 2 * C], dtype, domain);
  return { self: base.slice(1, 1, 2 * C, 2), base };
}

type OperandForm = 'same' | 'row' | 'column' | 'strided' | 'number' | '0-d';
function makeOperand(form: OperandForm, R: number, C: number, dtype: DType, domain: Domain): TensorLike {
  if (form === 'number') return dtype === 'bool' ? 1 : isFloat(dtype) ? (domain === 'positive' ? 1.5 : 0.7) : 3;
  if (form === '0-d') return values([], dtype, domain);
  if (form === 'row') return values([C], dtype, domain);
  if (form === 'column') return values([R, 1], dtype, domain);
  if (form === 'strided') return values([C, R], dtype, domain).transpose(0, 1);
  return values([R, C], dtype, domain);
}

function expectMatches(actual: Tensor, expected: Tensor, dtype: DType): void {
  if (isFloat(dtype)) assertAllClose(actual, expected.to(dtype), dtype === 'float32' ? { rtol: 1e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-12 });
  else expect(actual.toArray()).toEqual(expected.to(dtype).toArray());
}

const cases = SPECS.flatMap((spec) => spec.dtypes.map((dtype) => ({ spec, dtype })));

describe('in-place kernels match the out-of-place ops', () => {
  it.each(cases.map((c) => [c.spec.name, c.dtype, c] as const))('%s on %s', (_name, dtype, { spec }) => {
    const forms: OperandForm[] = spec.arity === 0 ? ['same'] : ['same', 'row', 'column', 'strided', ...(spec.numbers ? (['number', '0-d'] as const) : [])];
    // [3, 4] runs the reference loops on every backend; [16, 24] is long enough for the SIMD kernels.
    for (const [R, C] of [[3, 4], [16, 24]] as const) {
      for (const layout of ['contiguous', 'transposed', 'stepped'] as const) {
        for (const form of forms) {
          const { self, base } = makeSelf(layout, R, C, dtype, spec.domain);
          const ops = Array.from({ length: spec.arity }, () => makeOperand(form, R, C, dtype, spec.domain));
          const expected = spec.reference(self.clone(), ops, dtype);
          const baseBefore = base.clone();
          const version = self.version;
          const out = spec.inPlace(self, ops, dtype);
          expect(out).toBe(self);
          expect(self.version).toBe(version + 1);
          expectMatches(self, expected, dtype);
          if (layout === 'stepped') expect(base.slice(1, 0, 2 * C, 2).toArray()).toEqual(baseBefore.slice(1, 0, 2 * C, 2).toArray());
        }
      }
    }
  });

  it('on a leaf that requires grad, under noGrad (an optimizer step)', () => {
    for (const n of [5, 1000]) {
      const w = values([n], 'float32', 'any').requiresGrad_();
      const g = values([n], 'float32', 'any');
      const expected = w.detach().add(g.mul(-0.1));
      noGrad(() => w.add_(g, -0.1));
      expect(w.requiresGrad).toBe(true);
      expect(w.version).toBe(1);
      assertAllClose(w.detach(), expected, { rtol: 1e-6, atol: 1e-7 });
    }
  });

  it('convert operands of another dtype into self', () => {
    for (const n of [4, 600]) {
      const f32 = values([n], 'float32', 'any');
      const f64 = values([n], 'float64', 'any');
      const expected = f32.to('float64').add(f64).to('float32');
      expectMatches(f32.add_(f64), expected, 'float32');
      const i = values([n], 'int32', 'any');
      const b = values([n], 'bool', 'any');
      const sum = i.add(b);
      expect(i.add_(b).toArray()).toEqual(sum.toArray());
      const f = values([n], 'float64', 'any');
      const m = f.mul(values([n], 'float32', 'any').to('float64'));
      expect(f.mul_(m.to('float32')).dtype).toBe('float64');
    }
  });

  it('keep the dtype rules: a float result cannot be written into an int tensor', () => {
    const i = randint(0, 5, [300]);
    expect(() => i.add_(0.5)).toThrow(DTypeError);
    expect(() => i.add_(1, 0.5)).toThrow(/add_: the result type float32 cannot be written into a int32 tensor/);
    expect(() => i.div_(2)).toThrow(/div_.*float32.*int32/);
    expect(() => i.sqrt_()).toThrow(DTypeError);
    expect(() => i.mul_(rand([300]))).toThrow(DTypeError);
    expect(() => i.addcmul_(rand([300]), rand([300]))).toThrow(DTypeError);
    expect(() => i.lerp_(randint(0, 5, [300]), 0.5)).toThrow(DTypeError);
    expect(() => i.fill_(0.5)).toThrow(DTypeError);
    expect(i.version).toBe(0);
    // copy_ and clamp_ convert instead.
    expect(randint(0, 5, [3]).copy_(tensor([2.7, -1.5, 0])).toArray()).toEqual([2, -1, 0]);
    expect(tensor([-3, 0, 3], { dtype: 'int32' }).clamp_(-1.5, 2.5).toArray()).toEqual([-1, 0, 2]);
  });

  it('keep the shape errors', () => {
    expect(() => rand([2]).add_(rand([2, 2]))).toThrow(/add_: the result has shape \[2, 2\], which does not broadcast to the tensor's shape \[2\]/);
    expect(() => rand([2]).add_(rand([3]))).toThrow(ShapeError);
    expect(() => rand([2, 1]).copy_(rand([3]))).toThrow(/copy_: the result has shape \[3\]/);
    expect(() => rand([4]).addcmul_(rand([4]), rand([3]))).toThrow(ShapeError);
  });

  it('read the operand before writing when it shares self’s storage at other positions', () => {
    for (const n of [3, 20]) {
      const x = values([n, n], 'float32', 'any');
      const xt = x.transpose(0, 1);
      const expected = x.add(x.transpose(0, 1));
      expectMatches(x.add_(xt), expected, 'float32');
      const y = values([n, n], 'float64', 'any');
      const lerped = y.add(y.transpose(0, 1).sub(y).mul(0.5));
      expectMatches(y.lerp_(y.transpose(0, 1), 0.5), lerped, 'float64');
      const z = values([n, n], 'float64', 'any');
      const flipped = z.transpose(0, 1).clone();
      expectMatches(z.copy_(z.transpose(0, 1)), flipped, 'float64');
      const s = values([n, n], 'float32', 'any');
      const squared = s.mul(s);
      expectMatches(s.mul_(s), squared, 'float32');
    }
  });

  it('into an expanded view, as one write of the result (the last row wins)', () => {
    const base = tensor([1, 2, 3]);
    base.expand([2, 3]).add_(tensor([[1, 2, 3], [10, 20, 30]]));
    expect(base.toArray()).toEqual([11, 22, 33]);
  });

  it('recorded in-place ops keep their gradients', () => {
    const x = rand([300], { dtype: 'float64' }).requiresGrad_();
    const y = x.mul(2);
    y.add_(x, 3).addcmul_(x, x, 0.5); // y = 5x + x²/2
    expect(y.version).toBe(2);
    y.sum().backward();
    assertAllClose(x.grad!, x.detach().add(5), { rtol: 1e-12 });
  });
});
