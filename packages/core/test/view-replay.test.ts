import { describe, expect, it } from 'vitest';
import { AutogradError, Tensor, arange, autogradGrad, noGrad, ones, tensor, zeros } from '@tapegrad/core';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });
/** A [3, 4] float64 leaf with distinct, non-zero values. */
const grid = () => arange(12, { dtype: 'float64' }).add(1).div(4).reshape([3, 4]).requiresGrad_();

const arrays = (ts: readonly (Tensor | null)[]) => ts.map((t) => (t === null ? null : t.toArray()));

type View = (t: Tensor) => Tensor;

// Each takes a view of a [3, 4] tensor; a view of a view; views whose
// elements do not lie in order in the storage.
const views: readonly (readonly [string, View])[] = [
  ['narrow', (t) => t.narrow(0, 1, 2)],
  ['select', (t) => t.select(1, 2)],
  ['slice with a step', (t) => t.slice(1, 0, undefined, 2)],
  ['reshape as a view', (t) => t.reshape([2, 6])],
  ['view', (t) => t.view([12])],
  ['flatten', (t) => t.flatten()],
  ['permute', (t) => t.permute([1, 0])],
  ['transpose', (t) => t.transpose(0, 1)],
  ['expand', (t) => t.unsqueeze(0).expand([2, 3, 4])],
  ['unsqueeze', (t) => t.unsqueeze(1)],
  ['squeeze of unsqueeze', (t) => t.unsqueeze(0).squeeze(0)],
  ['diagonal-like (strided flat slice)', (t) => t.flatten().slice(0, 0, undefined, 5)],
  ['unfold (overlapping windows)', (t) => t.unfold(1, 2, 1)],
  ['split', (t) => t.split(2, 1)[1]!],
  ['view of a view of a view', (t) => t.transpose(0, 1).narrow(0, 1, 2).select(1, 0)],
];

/** A loss that reads the view's values (so its gradient depends on them). */
const lossOf = (v: Tensor) => v.mul(v).sin().sum();

describe('a view taken before an in-place write into its base', () => {
  it('follows the write: the example from PyTorch', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(1);
    const v = h.narrow(0, 0, 2);
    h.mul_(2);
    expect(v.toArray()).toEqual([2, 4]);
    v.sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 2, 0]);
  });

  it('requires grad once a recorded write gives its base a history', () => {
    const c = zeros([3], { dtype: 'float64' });
    const v = c.narrow(0, 0, 2);
    const w = ones([3], { dtype: 'float64', requiresGrad: true });
    expect(v.requiresGrad).toBe(false);
    c.add_(w);
    expect(v.requiresGrad).toBe(true);
    expect(v.isLeaf).toBe(false);
    v.sum().backward();
    expect(w.grad!.toArray()).toEqual([1, 1, 0]);
  });

  it.each(views)('%s: the same gradients as taking the view after the write', (_, take) => {
    const run = (before: boolean) => {
      const x = grid();
      const k = tensor([1.5, -0.5, 2, 0.25], { dtype: 'float64', requiresGrad: true });
      const h = x.mul(1);
      let v = before ? take(h) : null;
      h.add_(x.square()).mul_(3).sub_(k); // (add_ and sub_ save nothing that the write changes)
      v ??= take(h);
      const loss = lossOf(v);
      loss.backward();
      return { value: v.toArray(), loss: loss.item(), grads: arrays([x.grad, k.grad]) };
    };
    const after = run(false);
    const before = run(true);
    expect(before.value).toEqual(after.value);
    expect(before.loss).toBeCloseTo(after.loss, 12);
    expect(before.grads).toEqual(after.grads);
  });

  it('several writes between taking the view and using it, and uses in between', () => {
    const x = leaf([1, 2, 3, 4]);
    const h = x.mul(1);
    const v = h.narrow(0, 1, 2);
    const early = v.mul(10); // reads v as it was: its gradient goes to x[1:3] unchanged
    h.mul_(2); // h = 2x
    h.add_(x.square()); // h = 2x + x²
    v.sum().add(early.sum()).backward();
    // d/dx of (2 x1 + x1² + 2 x2 + x2²) + 10 (x1 + x2)
    expect(x.grad!.toArray()).toEqual([0, 2 + 2 * 2 + 10, 2 + 2 * 3 + 10, 0]);
  });

  it('gradients of gradients flow through the replayed view', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(1);
    const v = h.narrow(0, 0, 2);
    h.mul_(x); // v = x[0:2]²
    const [g] = autogradGrad([v.pow(2).sum()], [x], undefined, { createGraph: true }); // 4 x³ on [0:2]
    expect(g!.toArray()).toEqual([4, 32, 0]);
    const [gg] = autogradGrad([g!.sum()], [x]); // 12 x²
    expect(gg!.toArray()).toEqual([12, 48, 0]);
  });

  it('keeps retainGrad on the view', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(1);
    const v = h.narrow(0, 0, 2).retainGrad();
    h.mul_(2);
    v.mul(3).sum().backward();
    expect(v.grad!.toArray()).toEqual([3, 3]);
  });
});

describe('an in-place write into a view', () => {
  it('rebases its base: the base and the other views see the write in their gradients', () => {
    const x = leaf([1, 2, 3, 4]);
    const h = x.mul(1);
    const a = h.narrow(0, 0, 3);
    const b = h.narrow(0, 1, 3); // overlaps a
    a.mul_(x.narrow(0, 0, 3)); // h = [x0², x1², x2², x3]
    expect(b.toArray()).toEqual([4, 9, 4]);
    b.sum().add(h.mul(h).sum()).backward();
    // b = [x1², x2², x3]; h·h = x0⁴ + x1⁴ + x2⁴ + x3²
    expect(x.grad!.toArray()).toEqual([4, 2 * 2 + 4 * 8, 2 * 3 + 4 * 27, 1 + 2 * 4]);
  });

  it.each(views.filter(([name]) => name !== 'expand' && !name.startsWith('unfold')))(
    '%s: the same gradients as the write done out of place',
    (_, take) => {
      // The out-of-place twin: the new base is `where(inView, written, old)`.
      const inView = noGrad(() => {
        const m = zeros([3, 4], { dtype: 'bool' });
        take(m).fill_(1);
        return m;
      });
      const run = (inPlace: boolean) => {
        const x = grid();
        const k = tensor(2.5, { dtype: 'float64', requiresGrad: true });
        let h = x.mul(1);
        if (inPlace) take(h).add_(k).mul_(3);
        else {
          const spread = noGrad(() => zeros([3, 4], { dtype: 'float64' }));
          const placed = take(h).add(k).mul(3);
          // place the written values with a recorded where over a broadcast of them
          const back = placeInto(spread, take, placed);
          h = back.where(inView, h);
        }
        const loss = lossOf(h).add(lossOf(take(h)));
        loss.backward();
        return { value: h.toArray(), grads: arrays([x.grad, k.grad]) };
      };
      const twin = run(false);
      const inPlace = run(true);
      expect(inPlace.value).toEqual(twin.value);
      expect(inPlace.grads).toEqual(twin.grads);
    },
  );

  it('of a constant (fill_) cuts the written part out of the gradient', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(2);
    h.narrow(0, 1, 1).fill_(7);
    expect(h.toArray()).toEqual([2, 7, 6]);
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 0, 2]);
  });

  it('into a base that did not require grad makes it require grad', () => {
    const c = zeros([4], { dtype: 'float64' });
    const w = leaf([1, 2]);
    c.narrow(0, 1, 2).copy_(w.mul(3));
    expect(c.requiresGrad).toBe(true);
    expect(c.isLeaf).toBe(false);
    c.mul(c).sum().backward();
    expect(w.grad!.toArray()).toEqual([18, 36]);
  });
});

describe('a constant written over a tensor with history', () => {
  it('keeps requiring grad and sends a zero gradient back (fill_, copy_)', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    h.fill_(5);
    expect(h.requiresGrad).toBe(true);
    h.mul(h).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0]);
    const y = leaf([1, 2]);
    const g = y.mul(y); // saves y, not g
    g.copy_(tensor([1, 1], { dtype: 'float64' }));
    g.sum().backward();
    expect(y.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('refused in-place writes, as in PyTorch', () => {
  it('into a leaf that requires grad', () => {
    expect(() => leaf([1, 2]).mul_(2)).toThrow(/mul_: a leaf tensor that requires grad \(shape \[2\]\) is being used in an in-place operation.*noGrad/);
  });

  it('into a view of a leaf that requires grad', () => {
    const x = leaf([1, 2, 3]);
    expect(() => x.narrow(0, 0, 2).add_(1)).toThrow(AutogradError);
    expect(() => x.unsqueeze(0).select(0, 0).mul_(2)).toThrow(/mul_: a view \(shape \[3\]\) of a leaf tensor that requires grad \(shape \[3\]\).*clone\(\)/);
    expect(x.toArray()).toEqual([1, 2, 3]);
    noGrad(() => x.narrow(0, 0, 2).add_(1)); // fine unrecorded
    expect(x.toArray()).toEqual([2, 3, 3]);
  });

  it('into a view taken inside noGrad, directly or through its base', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(1);
    const v = noGrad(() => h.narrow(0, 0, 2));
    expect(() => v.add_(1)).toThrow(/add_: a view \(shape \[2\]\) was taken inside noGrad\(\)/);
    h.mul_(2);
    expect(() => v.sum()).toThrow(/was taken inside noGrad\(\) and its base or another view of its base has been modified in place/);
    noGrad(() => v.add_(1)); // both inside noGrad: fine
  });

  it('into an expanded view while recording', () => {
    const x = leaf([1, 2]);
    const h = x.mul(1).unsqueeze(0);
    expect(() => h.expand([3, 2]).mul_(x)).toThrow(/more than one element.*refers to one storage position/);
  });

  it('a detached alias is not a view: writing it is not recorded into the original', () => {
    const x = leaf([1, 2]);
    const h = x.mul(1);
    const d = h.detach();
    noGrad(() => d.mul_(5));
    expect(h.toArray()).toEqual([5, 10]);
    h.sum().backward(); // add saves nothing: the write is harmless
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });
});

/** `placed` written out of place into a zeros tensor shaped like `like`, at the positions `take` views: recorded. */
function placeInto(like: Tensor, take: View, placed: Tensor): Tensor {
  // The adjoint of the view is the placement: d/dz of <take(z), placed> at any z is exactly it.
  const z = like.clone().requiresGrad_();
  const [g] = autogradGrad([take(z).mul(placed).sum()], [z], undefined, { createGraph: true });
  return g!;
}
