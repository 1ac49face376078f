import { describe, expect, it } from 'vitest';
import { DTypeError, IndexError, ShapeError, arange, empty, eye, full, linspace, ones, rand, randint, randn, randperm, tensor, zeros, type TapegradError } from '@tapegrad/core';

/** One row per misuse: the call, the error class it throws and what its message must name. */
interface MisuseRow {
  readonly call: () => unknown;
  readonly error: abstract new (...args: never[]) => TapegradError;
  readonly contains: readonly string[];
}

/** Odd inputs that once gave a silent wrong answer or an engine error. */
const numericsRows: MisuseRow[] = [
  // typed arrays without a tapegrad dtype (they used to become bool tensors)
  { call: () => tensor(new Uint32Array([1, 2]) as never), error: DTypeError, contains: ['tensor', 'Uint32Array', 'float32', 'int32', 'bool'] },
  { call: () => tensor(new BigInt64Array([1n]) as never), error: DTypeError, contains: ['tensor', 'BigInt64Array', 'float64'] },
  { call: () => tensor(new BigUint64Array([1n]) as never, { dtype: 'float64' }), error: DTypeError, contains: ['tensor', 'BigUint64Array'] },
  { call: () => tensor([1], { dtype: 'toString' as never }), error: DTypeError, contains: ['tensor', "'toString'", 'float32'] },
  // element counts no typed array holds (they used to throw the engine's RangeError)
  { call: () => zeros([1e9, 1e9]), error: ShapeError, contains: ['zeros', '[1000000000, 1000000000]', '1,000,000,000,000,000,000 elements'] },
  { call: () => ones([1e6, 1e6]), error: ShapeError, contains: ['ones', '[1000000, 1000000]', 'elements'] },
  { call: () => full([1e9, 1e9], 2), error: ShapeError, contains: ['full', '[1000000000, 1000000000]'] },
  { call: () => empty([1e9, 1e9]), error: ShapeError, contains: ['empty', '[1000000000, 1000000000]'] },
  { call: () => randn([1e9, 1e9]), error: ShapeError, contains: ['randn', '[1000000000, 1000000000]'] },
  { call: () => rand([1e10]), error: ShapeError, contains: ['rand', '[10000000000]'] },
  { call: () => randint(0, 2, [1e10]), error: ShapeError, contains: ['randint', '[10000000000]'] },
  { call: () => randperm(1e10), error: ShapeError, contains: ['randperm', '[10000000000]'] },
  { call: () => arange(0, 1e12), error: ShapeError, contains: ['arange', '[1000000000000]', '1,000,000,000,000 elements'] },
  { call: () => linspace(0, 1, 1e12), error: ShapeError, contains: ['linspace', '[1000000000000]'] },
  { call: () => eye(1e6), error: ShapeError, contains: ['eye', '[1000000, 1000000]'] },
  // reductions name the function called, not the primitive underneath
  { call: () => zeros([0]).amax(), error: IndexError, contains: ['amax', 'empty', '[0]'] },
  { call: () => zeros([0]).amin(), error: IndexError, contains: ['amin', 'empty', '[0]'] },
  { call: () => zeros([0]).max(), error: IndexError, contains: ['max:', 'empty', '[0]'] },
  { call: () => zeros([2, 0]).norm(Infinity, 1), error: IndexError, contains: ['norm', 'empty', '[2, 0]'] },
  { call: () => zeros([2, 3]).amax(3), error: IndexError, contains: ['amax', 'dim 3', '2 dims'] },
  { call: () => zeros([2, 3]).amin(-3), error: IndexError, contains: ['amin', 'dim -3', '2 dims'] },
  { call: () => zeros([2, 3]).logsumexp(2), error: IndexError, contains: ['logsumexp', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3]).std(5), error: IndexError, contains: ['std', 'dim 5', '2 dims'] },
  { call: () => zeros([2, 3]).var(5), error: IndexError, contains: ['var', 'dim 5', '2 dims'] },
  { call: () => zeros([2, 3]).mean(2), error: IndexError, contains: ['mean', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3]).norm(2, 2), error: IndexError, contains: ['norm', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3], { dtype: 'int32' }).std(), error: DTypeError, contains: ['std', 'int32'] },
];

describe('misuse gives a tapegrad error naming the call', () => {
  it.each(numericsRows.map((row, i) => ({ ...row, i })))('row $i', ({ call, error, contains }) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    for (const part of contains) expect((thrown as Error).message).toContain(part);
  });
});

describe('typed arrays', () => {
  it('small integer arrays become int32 with their values', () => {
    for (const a of [new Int8Array([5, -3, 0]), new Int16Array([5, -3, 0])]) {
      const t = tensor(a);
      expect(t.dtype).toBe('int32');
      expect(t.toArray()).toEqual([5, -3, 0]);
    }
    expect(tensor(new Uint16Array([65535, 0])).toArray()).toEqual([65535, 0]);
    expect(tensor(new Uint8ClampedArray([255, 7])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([2, 0])).dtype).toBe('bool');
  });

  it('logsumexp over an empty dim is −∞, as in PyTorch', () => {
    expect(zeros([2, 0]).logsumexp(1).toArray()).toEqual([-Infinity, -Infinity]);
  });
});
