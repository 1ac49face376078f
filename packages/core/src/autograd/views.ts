import { AutogradError, fmtShape } from '../errors.js';
import { ones } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
import { record } from './record.js';
import type { TapeNode, VjpRule } from './tape-node.js';

/**
 * What a differentiable view keeps of how it was taken, as PyTorch's views
 * do. Views share their base's storage and so its version counter: when the
 * version moved since the view's `gradFn` was made, some in-place write (into
 * the base, this view or another view of the base) may have changed the
 * base's history, and the view's `gradFn` is made again by replaying
 * `replay(base)` against the base's current history.
 *
 * @example
 * ```ts
 * const v = h.narrow(0, 0, 2); // v.viewInfo = { base: h, replay: (b) => b.narrow(0, 0, 2), … }
 * ```
 */
export interface ViewInfo {
  /** The tensor the storage was made for; never a view itself. */
  readonly base: Tensor;
  /** Takes this view again from a tensor shaped like `base`, recorded as the original ops were. */
  readonly replay: (base: Tensor) => Tensor;
  /** Whether some view op of the chain ran with recording off (as PyTorch's NO_GRAD_MODE views). */
  readonly madeWithoutGrad: boolean;
  /** The storage version the view's `gradFn` was made at. */
  version: number;
}

/**
 * Makes `out`, the output of `take(input)` over `input`'s storage, a view of
 * `input`'s base (views of views chain their replays).
 *
 * @example
 * ```ts
 * markView(out, x, (t) => apply('slice', [t], params));
 * ```
 */
export function markView(out: Tensor, input: Tensor, take: (t: Tensor) => Tensor): void {
  const parent = input.viewInfo;
  out.viewInfo = {
    base: parent === null ? input : parent.base,
    replay: parent === null ? take : (b) => take(parent.replay(b)),
    madeWithoutGrad: !isGradEnabled() || (parent?.madeWithoutGrad ?? false),
    version: out.version,
  };
}

/**
 * The `gradFn` a view must have now that its storage was written in place
 * since `current` was made: `replay(base)` recorded against the base's
 * current history (the write into the base, or the `copySlices` node that a
 * write into a view of it left there).
 *
 * @example
 * ```ts
 * replayedGradFn(v, v.viewInfo!, null);
 * ```
 */
export function replayedGradFn(view: Tensor, info: ViewInfo, current: TapeNode | null): TapeNode | null {
  const base = info.base;
  if (current === null && !base.requiresGrad) return null;
  if (info.madeWithoutGrad) {
    if (!isGradEnabled()) return current;
    throw new AutogradError(
      `a view (shape ${fmtShape(view.shape)}) was taken inside noGrad() and its base or another view of its base has been modified in place since; its gradient is ambiguous, so this is refused (as in PyTorch). Take the view and do the in-place op both inside noGrad() or both outside it, or clone() the view.`,
    );
  }
  const node = enableGrad(() => info.replay(base)).gradFn;
  info.version = view.version;
  if (node !== null && current !== null && current.retained === view) node.retained = view;
  return node;
}

/**
 * Refuses, as PyTorch does, the recorded in-place writes whose gradient
 * would be lost or ambiguous: into a leaf that requires grad, into a view of
 * one, into a view taken inside `noGrad()`, and into a view whose elements
 * share storage positions (an expanded view).
 *
 * @example
 * ```ts
 * checkInPlace('add_', v); // before a recorded write into v
 * ```
 */
export function checkInPlace(op: string, self: Tensor, overlapping: boolean): void {
  const info = self.viewInfo;
  const shape = fmtShape(self.shape);
  if (info === null) {
    if (self.isLeaf && self.requiresGrad) {
      throw new AutogradError(
        `${op}: a leaf tensor that requires grad (shape ${shape}) is being used in an in-place operation while recording; its gradient would be lost. Wrap the update in noGrad(), or clone() the tensor first`,
      );
    }
    return;
  }
  if (info.madeWithoutGrad) {
    throw new AutogradError(
      `${op}: a view (shape ${shape}) was taken inside noGrad() and is being modified in place while recording; this is ambiguous, so it is refused (as in PyTorch). Take the view and do ${op} both inside noGrad() or both outside it, or clone() the view first`,
    );
  }
  if (self.requiresGrad && info.base.isLeaf) {
    throw new AutogradError(
      `${op}: a view (shape ${shape}) of a leaf tensor that requires grad (shape ${fmtShape(info.base.shape)}) is being used in an in-place operation while recording; the leaf's gradient would be lost. Wrap the update in noGrad(), or clone() the view first`,
    );
  }
  if (overlapping) {
    throw new AutogradError(
      `${op}: more than one element of the view being written (shape ${shape}) refers to one storage position (an expanded or overlapping view), so its gradient is ambiguous; clone() the view first`,
    );
  }
}

interface CopySlicesParams {
  readonly replay: (base: Tensor) => Tensor;
}

/** The elements of a tensor shaped like the base that the view does not cover. */
function outsideView(like: Tensor, replay: (base: Tensor) => Tensor): Tensor {
  return noGrad(() => {
    const keep = ones(like.shape, { dtype: 'bool', device: like.device });
    replay(keep).fill_(0);
    return keep;
  });
}

// d base = g outside the view (inside, the written values replaced the old ones);
// d written = the view of g
const copySlicesRule: VjpRule<CopySlicesParams> = (g, c) => [
  c.needs[0] ? g.where(outsideView(g, c.params.replay), 0) : null,
  c.needs[1] ? c.params.replay(g) : null,
];

/**
 * Records an in-place write of `written` into the view `self`: its base
 * takes a `copySlices` node as its history (the old base outside the view,
 * `written` inside), and every view of the base, `self` included, takes its
 * `gradFn` again from there when next asked (its version moved).
 *
 * @example
 * ```ts
 * rebaseThroughView(v, v.mul(2)); // after writing v.mul(2) into v's storage
 * ```
 */
export function rebaseThroughView(self: Tensor, written: Tensor): void {
  const info = self.viewInfo!;
  const base = info.base;
  record<CopySlicesParams>('copySlices', copySlicesRule, { replay: info.replay }, [base, written], base);
}
