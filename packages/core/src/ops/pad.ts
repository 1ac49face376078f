import { ShapeError, TapegradError, fmtShape } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { apply } from '../primitives/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { full } from '../tensor/creation.js';
import { where } from './elementwise.js';
import { cat, expand, narrow } from './movement.js';

/**
 * How {@link pad} fills the border, as PyTorch's `F.pad` modes: `'constant'`
 * (a value, 0 by default), `'reflect'` (mirrored about the edge, the edge
 * itself not repeated: `[1, 2, 3]` → `[3, 2, 1, 2, 3, 2, 1]`), `'replicate'`
 * (the edge repeated) or `'circular'` (wrapped around).
 *
 * @example
 * ```ts
 * const mode: PadMode = 'reflect';
 * ```
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

const MODES: readonly string[] = ['constant', 'reflect', 'replicate', 'circular'];

/**
 * Pads the last dims: `pads = [left, right]` for the last dim, then
 * `[top, bottom]` for the one before it, and so on, as PyTorch's `F.pad`.
 * The third argument is the fill value, or a {@link PadMode} followed by the
 * value (constant mode only). PyTorch's limits are errors: a reflect pad must
 * be smaller than the size of its dim, a circular pad at most that size.
 * Every mode is differentiable (a border element's gradient goes to the
 * element it copies).
 *
 * @example
 * ```ts
 * pad(img, [1, 1, 1, 1]); // zeros around the last two dims
 * pad(tensor([[1, 2, 3]]), [2, 2], 'reflect'); // [[3, 2, 1, 2, 3, 2, 1]]
 * pad(tensor([[1, 2, 3]]), [1, 0], 'constant', -1); // [[-1, 1, 2, 3]]
 * ```
 */
export function pad(x: Tensor, pads: readonly number[], modeOrValue: PadMode | number = 'constant', value?: number): Tensor {
  const mode = typeof modeOrValue === 'number' ? 'constant' : modeOrValue;
  if (typeof mode !== 'string' || !MODES.includes(mode)) {
    throw new TapegradError(`pad: the third argument must be a fill value or a mode (${MODES.map((m) => `'${m}'`).join(', ')}), got ${String(modeOrValue)}`);
  }
  if (typeof modeOrValue === 'number' && value !== undefined) {
    throw new TapegradError(`pad: give the fill value once: pad(x, pads, value) or pad(x, pads, 'constant', value), got ${modeOrValue} and ${value}`);
  }
  if (value !== undefined && typeof value !== 'number') throw new TapegradError(`pad: the fill value must be a number, got ${typeof value}`);
  checkPads(x, pads);
  if (mode === 'constant') return padConstant(x, pads, typeof modeOrValue === 'number' ? modeOrValue : (value ?? 0));
  // NOTE: as PyTorch, a non-constant mode takes no value (0, the default, is let through).
  if (value !== undefined && value !== 0) throw new TapegradError(`pad: mode '${mode}' takes no fill value, got ${value}`);
  return padByMode(x, pads, mode);
}

function checkPads(x: Tensor, pads: readonly number[]): void {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ShapeError(`pad: pads ${fmtShape(pads)} must be pairs for at most the ${x.ndim} dims of ${fmtShape(x.shape)}`);
  }
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`pad: pads must be non-negative integers, got ${fmtShape(pads)}`);
}

function padConstant(x: Tensor, pads: readonly number[], value: number): Tensor {
  const before = x.shape.map(() => 0);
  const shape = x.shape.slice();
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = pads[2 * i]!;
    shape[d] = shape[d]! + pads[2 * i]! + pads[2 * i + 1]!;
  }
  const steps = x.shape.map(() => 1);
  const placed = apply('unslice', [x], { starts: before, steps, shape });
  if (value === 0) return placed;
  // A mask rather than arithmetic, so that value = ±∞ (max pooling's padding) stays exact.
  const inside = noGrad(() => apply('unslice', [full(x.shape, 1, { dtype: 'bool', device: x.device })], { starts: before, steps, shape }));
  return where(inside, placed, value);
}

/**
 * Pads by reflection, replication or wrapping, one dim at a time (the modes
 * are separable, so corners come out as PyTorch's). Each border is a view of
 * `x` (reversed for reflect) and the result one concatenation per dim, so the
 * gradient needs no rule of its own.
 */
function padByMode(x: Tensor, pads: readonly number[], mode: Exclude<PadMode, 'constant'>): Tensor {
  let out = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const [left, right] = [pads[2 * i]!, pads[2 * i + 1]!];
    if (left === 0 && right === 0) continue;
    const n = x.shape[d]!;
    const tooWide =
      mode === 'reflect' ? (left >= n || right >= n ? `less than its size ${n}` : null)
      : mode === 'circular' ? (left > n || right > n ? `at most its size ${n} (it wraps around once)` : null)
      : n === 0 ? 'zero: the dim is empty' : null;
    if (tooWide !== null) throw new ShapeError(`pad: ${mode} padding (${left}, ${right}) of dim ${d} must be ${tooWide} (input ${fmtShape(x.shape)})`);
    const parts = [border(out, d, left, mode, 'left'), out, border(out, d, right, mode, 'right')].filter((t): t is Tensor => t !== null);
    out = cat(parts, d);
  }
  return out;
}

/** The `width` elements that go before (`left`) or after dim `d` of `x`, or null for none. */
function border(x: Tensor, d: number, width: number, mode: Exclude<PadMode, 'constant'>, side: 'left' | 'right'): Tensor | null {
  if (width === 0) return null;
  const n = x.shape[d]!;
  const widened = x.shape.map((s, k) => (k === d ? width : s));
  if (mode === 'replicate') return expand(narrow(x, d, side === 'left' ? 0 : n - 1, 1), widened);
  if (mode === 'circular') return narrow(x, d, side === 'left' ? n - width : 0, width);
  // reflect: x[width], …, x[1] on the left; x[n-2], …, x[n-1-width] on the right (a view with step −1).
  const starts = x.shape.map((_, k) => (k === d ? (side === 'left' ? width : n - 2) : 0));
  const steps = x.shape.map((_, k) => (k === d ? -1 : 1));
  return apply('slice', [x], { starts, steps, shape: widened });
}
