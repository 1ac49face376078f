import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, TapegradError, isGradEnabled, noGrad, tensor, type Tensor } from '@tapegrad/core';
import { Adam, GD, OptimError, RMSprop, SGD, adamStep, sgdStep, type AdamState, type OptimizerStateDict } from '@tapegrad/optim';
import { grad, param, values } from './helpers.js';

describe('parameter groups', () => {
  it('a plain list makes one group with the defaults', () => {
    const w = param([1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, params: [w] });
  });

  it('per-group options override the defaults, and each group updates with its own', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a], lr: 0.1 }, { params: [b] }], { lr: 0.01 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    a.grad = grad([1]);
    b.grad = grad([1]);
    opt.step();
    expect(values(a)).toEqual([1 - 0.1]);
    expect(values(b)).toEqual([1 - 0.01]);
  });

  it('accepts any iterable (a Set, a generator)', () => {
    const a = param([1]);
    function* gen(): Generator<Tensor> {
      yield a;
    }
    expect(new GD(new Set([a])).paramGroups[0]!.params).toEqual([a]);
    expect(new GD(gen()).paramGroups[0]!.params).toEqual([a]);
  });

  it('addParamGroup adds a group; its params start without state', () => {
    const a = param([1]);
    const b = param([2]);
    const opt = new Adam([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, betas: [0.9, 0.999], params: [b] });
    a.grad = grad([1]);
    b.grad = grad([1]);
    opt.step();
    expect(values(b)[0]).toBeCloseTo(2 - 0.5, 6);
  });

  it('rejects a parameter that appears twice', () => {
    const a = param([1]);
    expect(() => new SGD([a, a])).toThrow(/SGD: parameter 1 of the group \(shape \[1\]\) appears more than once/);
    const opt = new SGD([a]);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(OptimError);
  });
});

describe('params must be leaf tensors that require grad', () => {
  it('an empty list', () => {
    expect(() => new SGD([])).toThrow(/SGD: got an empty parameter list/);
    expect(() => new Adam([{ params: [] }])).toThrow(/Adam: got a parameter group with no parameters/);
  });

  it('a tensor that does not require grad', () => {
    expect(() => new Adam([tensor([1, 2])])).toThrow(/Adam: parameter 0 of the group \(shape \[2\], float32\) does not require grad/);
  });

  it('a non-leaf tensor', () => {
    const w = param([1]);
    expect(() => new SGD([w.mul(2)])).toThrow(/SGD: parameter 0 of the group \(shape \[1\]\) is not a leaf tensor/);
  });

  it('something that is not a tensor', () => {
    expect(() => new SGD([{ params: [param([1]), 3 as unknown as Tensor] }])).toThrow(/SGD: parameter 1 of the group is not a tensor \(got number\)/);
    expect(() => new SGD([param([1]), { params: [param([1])] }] as unknown as Tensor[])).toThrow(/not a mix/);
  });

  it('errors are TapegradErrors', () => {
    expect(() => new SGD([])).toThrow(TapegradError);
  });
});

describe('step', () => {
  it('skips a parameter whose grad is null: no change, no state', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = grad([1, 1]);
    opt.step();
    expect(values(b)).toEqual([3]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.has(a)).toBe(true);
  });

  it('updates in place, bumping the version, and records nothing', () => {
    const w = param([1, 2]);
    const storage = w.data;
    const opt = new Adam([w], { lr: 0.1, amsgrad: true });
    w.grad = grad([1, -1]);
    const v0 = w.version;
    opt.step();
    expect(w.version).toBeGreaterThan(v0);
    expect(w.isLeaf).toBe(true);
    expect(w.requiresGrad).toBe(true);
    expect(values(w)).not.toEqual(Array.from(storage));
    const state = opt.state.get(w) as AdamState;
    expect(state.expAvg!.requiresGrad).toBe(false);
    expect(state.expAvg!.gradFn).toBeNull();
  });

  it('allocates state tensors once and updates them in place afterwards', () => {
    const w = param([1, 2]);
    const opt = new Adam([w], { lr: 0.1, amsgrad: true });
    w.grad = grad([1, -1]);
    opt.step();
    const s = opt.state.get(w) as AdamState;
    const [m, v, vmax] = [s.expAvg!, s.expAvgSq!, s.maxExpAvgSq!];
    const versions = [m.version, v.version, vmax.version];
    w.grad = grad([0.5, 0.5]);
    opt.step();
    const s2 = opt.state.get(w) as AdamState;
    expect(s2.expAvg).toBe(m);
    expect(s2.expAvgSq).toBe(v);
    expect(s2.maxExpAvgSq).toBe(vmax);
    expect(m.version).toBeGreaterThan(versions[0]!);
    expect(v.version).toBeGreaterThan(versions[1]!);
    expect(vmax.version).toBeGreaterThan(versions[2]!);
    expect(s2.step).toBe(2);
  });

  it('works with gradients from backward (float32)', () => {
    const w = tensor([1, -2], { requiresGrad: true });
    const opt = new SGD([w], { lr: 0.25 });
    w.square().sum().backward(); // grad 2w
    opt.step();
    expect(values(w)).toEqual([0.5, -1]);
  });

  it('runs the closure with recording on and returns its loss; the update is not recorded', () => {
    const w = param([3]);
    const opt = new SGD([w], { lr: 0.1 });
    let recording: boolean | undefined;
    const loss = opt.step(() => {
      recording = isGradEnabled();
      opt.zeroGrad();
      const l = w.square().sum();
      l.backward();
      return l.item();
    });
    expect(recording).toBe(true);
    expect(loss).toBe(9);
    expect(values(w)).toEqual([3 - 0.1 * 6]);
    expect(opt.step()).toBeUndefined();
  });

  it('a gradient of the wrong shape names the optimizer, the parameter index and both shapes', () => {
    const a = param([1]);
    const b = param([1, 2]);
    const opt = new Adam([a, b]);
    b.grad = grad([1, 2, 3]);
    const call = (): unknown => opt.step();
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('Adam.step: the gradient of parameter 1 has shape [3] but the parameter has shape [2]; expected equal shapes');
  });

  it('a gradient of the wrong dtype names the optimizer, the parameter index and the dtypes', () => {
    const a = param([1, 2]);
    const opt = new RMSprop([a]);
    a.grad = tensor([1, 2]);
    const call = (): unknown => opt.step();
    expect(call).toThrow(DTypeError);
    expect(call).toThrow('RMSprop.step: the gradient of parameter 0 (shape [2]) has dtype float32 but the parameter is float64');
  });
});

describe('zeroGrad', () => {
  it('sets grads to null by default', () => {
    const w = param([1]);
    w.grad = grad([2]);
    new SGD([w]).zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('fills them with zeros with setToNone: false, keeping the tensor', () => {
    const w = param([1, 2]);
    const g = grad([2, 3]);
    w.grad = g;
    new SGD([w]).zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(values(g)).toEqual([0, 0]);
  });
});

describe('stateDict / loadStateDict', () => {
  it('is plain JSON: state keyed by parameter index, tensors as { shape, dtype, data }', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    b.grad = grad([1]);
    opt.step();
    const dict = opt.stateDict();
    expect(dict).toEqual({
      state: { '1': { momentumBuffer: { shape: [1], dtype: 'float64', data: [1] } } },
      paramGroups: [
        { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [0] },
        { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [1] },
      ],
    });
    expect(JSON.parse(JSON.stringify(dict))).toEqual(dict);
  });

  it('restores group options, including a learning rate changed during training', () => {
    const opt = new Adam([param([1])], { lr: 0.1 });
    opt.paramGroups[0]!.lr = 0.003;
    const opt2 = new Adam([param([1])], { lr: 0.1 });
    opt2.loadStateDict(opt.stateDict());
    expect(opt2.paramGroups[0]!.lr).toBe(0.003);
  });

  it('a saved state that does not fit the optimizer is refused', () => {
    const w = param([1, 2]);
    const opt = new Adam([w]);
    w.grad = grad([1, 1]);
    opt.step();
    const dict = opt.stateDict();
    expect(() => new Adam([param([1, 2]), param([3])]).loadStateDict(dict)).toThrow(
      "paramGroups[0] has 1 parameters but the optimizer's group 0 has 2",
    );
    expect(() => new Adam([{ params: [param([1])] }, { params: [param([1])] }]).loadStateDict(dict)).toThrow(
      'Adam.loadStateDict: the saved state has 1 parameter groups but the optimizer has 2',
    );
    expect(() => new Adam([param([1, 2, 3])]).loadStateDict(dict)).toThrow(
      "state['0'].expAvg has shape [2] but the parameter has shape [3]",
    );
    const bad: OptimizerStateDict = { ...dict, paramGroups: [{ ...dict.paramGroups[0]!, lr: -1 }] };
    expect(() => new Adam([param([1, 2])]).loadStateDict(bad)).toThrow('Adam: invalid lr = -1');
  });

  it('a failed load leaves the optimizer as it was', () => {
    const w = param([1, 2]);
    const opt = new Adam([w], { lr: 0.1 });
    const bad = { state: { '0': { expAvg: { shape: [5], dtype: 'float64', data: [1, 2, 3, 4, 5] } } }, paramGroups: [{ ...opt.stateDict().paramGroups[0]!, lr: 0.7 }] } as OptimizerStateDict;
    expect(() => opt.loadStateDict(bad)).toThrow(OptimError);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(opt.state.size).toBe(0);
  });

  it('non-finite state values are saved (as null in JSON) but refused on load', () => {
    const w = param([1]);
    const opt = new SGD([w], { momentum: 0.9 });
    w.grad = grad([NaN]);
    opt.step();
    const back = JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
    const opt2 = new SGD([param([1])], { momentum: 0.9 });
    expect(() => opt2.loadStateDict(back)).toThrow("state['0'].momentumBuffer holds NaN at element 0; expected finite values");
    expect(opt2.state.size).toBe(0);
  });
});

describe('pure step functions', () => {
  it('update one parameter and its state in place, as the class does', () => {
    const a = param([1, -2]);
    const b = param([1, -2]);
    const opt = new Adam([a], { lr: 0.1, amsgrad: true });
    const state: AdamState = { step: 0 };
    for (const g of [[0.5, 1], [-1, 0.25]]) {
      a.grad = grad(g);
      opt.step();
      noGrad(() => adamStep(b, grad(g), state, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, decoupledWeightDecay: false }));
    }
    expect(values(b)).toEqual(values(a));
    expect(state.step).toBe(2);
    expect(values(state.maxExpAvgSq!)).toEqual(values((opt.state.get(a) as AdamState).maxExpAvgSq!));
  });

  it('outside noGrad, core refuses the in-place write on a leaf that requires grad', () => {
    const w = param([1]);
    expect(() => sgdStep(w, grad([1]), {}, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false })).toThrow(/noGrad/);
  });
});
