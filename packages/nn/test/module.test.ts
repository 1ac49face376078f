import { describe, expect, it } from 'vitest';
import { Generator, ones, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import {
  Flatten,
  Identity,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
  StateDictError,
  isParameter,
  parameter,
} from '@tapegrad/nn';

class Norm extends Module<[Tensor], Tensor> {
  readonly gamma = parameter(ones([3]));
  runningMean: Tensor;
  readonly scratch: Tensor;
  constructor() {
    super();
    this.runningMean = this.registerBuffer('runningMean', zeros([3]));
    this.scratch = this.registerBuffer('scratch', zeros([1]), false);
  }
  forward(x: Tensor): Tensor {
    if (this.training) this.runningMean = this.runningMean.mul(0.9).add(x.detach().mean(0).mul(0.1));
    return x.sub(this.runningMean).mul(this.gamma);
  }
}

class Encoder extends Module<[Tensor], Tensor> {
  readonly layers = new ModuleList([new Linear(3, 3), new Linear(3, 3)]);
  readonly norm = new Norm();
  forward(x: Tensor): Tensor {
    for (const l of this.layers) x = l.forward(x).relu();
    return this.norm.forward(x);
  }
}

class Model extends Module<[Tensor], Tensor> {
  readonly encoder = new Encoder();
  readonly heads = new ModuleDict({ cls: new Linear(3, 2), reg: new Linear(3, 1, { bias: false }) });
  readonly blocks: Module[] = [new Sequential(new Linear(3, 3), new ReLU()), new Identity()];
  readonly extra = new Map<string, Tensor | Module>([['scale', parameter(ones([1]))], ['flat', new Flatten()]]);
  readonly notAParameter = zeros([2]); // a plain tensor is neither parameter nor buffer
  readonly hyper = 3;
  forward(x: Tensor): Tensor {
    return this.heads.get('cls').forward(this.encoder.forward(x));
  }
}

describe('Module', () => {
  it('finds parameters with dotted names through nested containers, arrays and Maps', () => {
    const m = new Model();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'extra.scale',
      'encoder.layers.0.weight',
      'encoder.layers.0.bias',
      'encoder.layers.1.weight',
      'encoder.layers.1.bias',
      'encoder.norm.gamma',
      'heads.cls.weight',
      'heads.cls.bias',
      'heads.reg.weight',
      'blocks.0.0.weight',
      'blocks.0.0.bias',
    ]);
    expect(m.parameters().every(isParameter)).toBe(true);
    expect(isParameter(m.notAParameter)).toBe(false);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['encoder', 'heads', 'blocks.0', 'blocks.1', 'extra.flat']);
    expect(m.namedModules().map(([n]) => n)).toContain('encoder.layers.1');
    expect(m.modules().filter((x) => x instanceof Linear)).toHaveLength(5);
    expect(m.parameters(false).length).toBe(1); // only extra.scale is direct
  });

  it('shared parameters are listed once', () => {
    const shared = new Linear(2, 2);
    const s = new Sequential(shared, new ReLU(), shared);
    expect(s.parameters()).toHaveLength(2);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('buffers are in stateDict (persistent ones), not in parameters', () => {
    const m = new Model();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['encoder.norm.runningMean', 'encoder.norm.scratch']);
    const keys = Object.keys(m.stateDict());
    expect(keys).toContain('encoder.norm.runningMean');
    expect(keys).not.toContain('encoder.norm.scratch');
    expect(keys).not.toContain('notAParameter');
    // Reassigning the property replaces the buffer.
    m.encoder.norm.forward(randn([4, 3]));
    expect(m.stateDict()['encoder.norm.runningMean']!.toArray()).toEqual(m.encoder.norm.runningMean.toArray());
    expect(() => m.registerBuffer('encoder', zeros([1]))).toThrow(/already a submodule/);
  });

  it('train/eval propagate to every submodule', () => {
    const m = new Model();
    expect(m.modules().every((x) => x.training)).toBe(true);
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.encoder.train();
    expect(m.training).toBe(false);
    expect(m.encoder.norm.training).toBe(true);
  });

  it('requiresGrad_ freezes, zeroGrad clears, apply visits children first', () => {
    const m = new Model();
    m.encoder.requiresGrad_(false);
    m.forward(randn([2, 3])).sum().backward();
    expect(m.encoder.layers.at(0).parameters().every((p) => p.grad === null && !p.requiresGrad)).toBe(true);
    expect(m.heads.get('cls').parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad(false);
    expect((m.heads.get('cls').parameters()[0]!.grad!.data as Float32Array).every((v) => v === 0)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    const order: string[] = [];
    new Sequential(new Linear(1, 1), new ReLU()).apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['Linear', 'ReLU', 'Sequential']);
  });

  it('toString shows the tree, settings, shapes and parameter counts', () => {
    const s = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1, { bias: false }));
    expect(String(s)).toBe(
      ['Sequential(', '  (0): Linear(inFeatures=2, outFeatures=3, bias=true)', '  (1): ReLU()', '  (2): Linear(inFeatures=3, outFeatures=1, bias=false)', ')', 'Parameters: 12 (12 trainable)'].join('\n'),
    );
    const n = new Norm();
    n.requiresGrad_(false);
    expect(String(n)).toBe('Norm(gamma: [3])\nParameters: 3 (0 trainable)');
  });

  it('stateDict round trip through loadStateDict copies values in place', () => {
    const a = new Model();
    const b = new Model();
    const w = b.heads.get('cls').parameters()[0]!;
    b.loadStateDict(a.stateDict());
    expect(b.heads.get('cls').parameters()[0]).toBe(w); // same tensor object, new values
    for (const [k, t] of Object.entries(a.stateDict())) expect(b.stateDict()[k]!.toArray()).toEqual(t.toArray());
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    // A Map works too.
    b.loadStateDict(new Map(Object.entries(new Model().stateDict())));
  });

  it('strict loadStateDict names missing, unexpected and mismatched keys in one error and modifies nothing', () => {
    const m = new Model();
    const before = Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()]);
    const dict = new Model().stateDict();
    delete dict['heads.reg.weight'];
    dict['heads.bogus'] = zeros([1]);
    dict['heads.cls.weight'] = zeros([5, 3]);
    let err: unknown;
    try {
      m.loadStateDict(dict);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const e = err as StateDictError;
    expect(e.missingKeys).toEqual(['heads.reg.weight']);
    expect(e.unexpectedKeys).toEqual(['heads.bogus']);
    expect(e.message).toMatch(/missing keys: heads\.reg\.weight/);
    expect(e.message).toMatch(/unexpected keys: heads\.bogus/);
    expect(e.message).toMatch(/heads\.cls\.weight: the model has shape \[2, 3\], the dict has \[5, 3\]/);
    expect(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()])).toEqual(before);
    // Non-strict: missing/unexpected are reported, but a shape mismatch is still refused.
    expect(() => m.loadStateDict(dict, { strict: false })).toThrow(StateDictError);
    dict['heads.cls.weight'] = ones([2, 3]);
    const r = m.loadStateDict(dict, { strict: false });
    expect(r).toEqual({ missingKeys: ['heads.reg.weight'], unexpectedKeys: ['heads.bogus'] });
    expect(m.heads.get('cls').parameters()[0]!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  it('containers: Sequential, ModuleList, ModuleDict, Identity, Flatten', () => {
    const g = new Generator(0);
    const s = new Sequential(new Linear(4, 3, { generator: g }), new ReLU());
    s.append(new Identity());
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(Identity);
    expect([...s].length).toBe(3);
    expect(() => s.at(5)).toThrow(/Sequential.at: index 5/);
    expect(new Flatten().forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new Flatten(0, 1).forward(zeros([2, 3, 4])).shape).toEqual([6, 4]);
    const l = new ModuleList<Linear>().push(new Linear(1, 1));
    expect(l.length).toBe(1);
    expect(() => l.forward()).toThrow(/ModuleList/);
    const d = new ModuleDict<Linear>();
    d.set('a', new Linear(1, 1));
    expect(() => d.set('a.b', new Linear(1, 1))).toThrow(/no '\.'/);
    expect(() => d.get('zz')).toThrow(/no module named 'zz'/);
    expect([...d.keys()]).toEqual(['a']);
    const x = tensor([[1, 2, 3, 4]]);
    expect(s.forward(x).shape).toEqual([1, 3]);
  });

  it('parameter() refuses integer tensors and detaches non-leaves', () => {
    expect(() => parameter(zeros([2], { dtype: 'int32' }))).toThrow(/float tensor/);
    const p = parameter(ones([2]).requiresGrad_().mul(2));
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
  });
});
