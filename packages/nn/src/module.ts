import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from './option-rules.js';
import { Tensor, TapegradError, fmtShape, isDeviceName, noGrad, type Device } from '@tapegrad/core';
import { StateDictError } from './errors.js';
import { isParameter, type Parameter } from './parameter.js';

/**
 * Name → tensor, as {@link Module.stateDict} returns and {@link Module.loadStateDict} accepts.
 *
 * @example
 * ```ts
 * const sd: StateDict = model.stateDict();
 * ```
 */
export type StateDict = Record<string, Tensor>;

/**
 * Options of {@link Module.loadStateDict}.
 *
 * @example
 * ```ts
 * model.loadStateDict(weights, { strict: false });
 * ```
 */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected names (default true). Shape mismatches are always refused. */
  readonly strict?: boolean;
}

/**
 * What {@link Module.loadStateDict} did not match (both empty in strict mode).
 *
 * @example
 * ```ts
 * const { missingKeys } = model.loadStateDict(partial, { strict: false });
 * ```
 */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

type Member = readonly [name: string, value: unknown];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Base class of every layer and model. Parameters (tensors marked with
 * {@link parameter}) and submodules are found automatically in the instance's
 * own enumerable properties, also inside arrays, Maps and plain objects, and
 * are named with dots (`encoder.layers.0.weight`). Buffers (non-trainable
 * state such as running statistics) are declared with {@link Module.registerBuffer}.
 *
 * JavaScript objects cannot be called, so run a module with `model.forward(x)`.
 * The type parameters give `forward`'s arguments and result.
 *
 * @example
 * ```ts
 * class Mlp extends Module<[Tensor], Tensor> {
 *   readonly fc1 = new Linear(2, 8);
 *   readonly fc2 = new Linear(8, 1);
 *   forward(x: Tensor): Tensor { return this.fc2.forward(relu(this.fc1.forward(x))); }
 * }
 * const model = new Mlp();
 * model.namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module<In extends unknown[] = unknown[], Out = unknown> {
  #training = true;
  readonly #buffers = new Map<string, boolean>(); // name → persistent

  /** Computes the module's output. Call it directly: `model.forward(x)`. */
  abstract forward(...args: In): Out;

  /** Whether the module is in training mode (see {@link Module.train}). */
  get training(): boolean {
    return this.#training;
  }

  // ---- discovery ------------------------------------------------------------

  /**
   * The `[name, value]` pairs searched for parameters and submodules. By default
   * the own enumerable properties; containers override it to name their items.
   *
   * @example
   * ```ts
   * protected override members() { return [['0', this.first], ...super.members()]; }
   * ```
   */
  protected members(): Member[] {
    return Object.entries(this);
  }

  /** Direct parameters and submodules with their (possibly dotted) names. */
  #direct(): { params: [string, Parameter][]; modules: [string, Module][] } {
    const params: [string, Parameter][] = [];
    const modules: [string, Module][] = [];
    const seen = new Set<unknown>();
    const visit = (name: string, v: unknown): void => {
      if (v instanceof Module) modules.push([name, v]);
      else if (v instanceof Tensor) {
        if (isParameter(v) && !this.#buffers.has(name)) params.push([name, v]);
      } else if (typeof v === 'object' && v !== null && !seen.has(v)) {
        seen.add(v);
        if (Array.isArray(v)) v.forEach((item, i) => visit(`${name}.${i}`, item));
        else if (v instanceof Map) for (const [k, item] of v) visit(`${name}.${String(k)}`, item);
        else if (isPlainObject(v)) for (const [k, item] of Object.entries(v)) visit(`${name}.${k}`, item);
      }
    };
    for (const [name, v] of this.members()) visit(name, v);
    return { params, modules };
  }

  /**
   * Direct submodules with their names.
   *
   * @example
   * ```ts
   * new Sequential(new Linear(2, 3), new ReLU()).namedChildren(); // [['0', Linear], ['1', ReLU]]
   * ```
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [n, m] of this.#direct().modules) {
      if (!seen.has(m)) {
        seen.add(m);
        out.push([n, m]);
      }
    }
    return out;
  }

  /**
   * Direct submodules.
   *
   * @example
   * ```ts
   * for (const child of model.children()) console.log(String(child));
   * ```
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every submodule, depth first, each once, with dotted names
   * (`''` for this module itself, or `prefix`).
   *
   * @example
   * ```ts
   * model.namedModules().map(([n]) => n); // ['', 'fc1', 'fc2']
   * ```
   */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m.#direct().modules) walk(c, name === '' ? n : `${name}.${n}`);
    };
    walk(this, prefix);
    return out;
  }

  /**
   * This module and every submodule, depth first.
   *
   * @example
   * ```ts
   * model.modules().filter((m) => m instanceof Linear).length;
   * ```
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Parameters with dotted names, each tensor once (a shared parameter keeps
   * its first name).
   *
   * @example
   * ```ts
   * model.namedParameters(); // [['fc1.weight', Tensor], ['fc1.bias', Tensor], ...]
   * ```
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mn, m] of mods) {
      for (const [n, p] of m.#direct().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mn === '' ? n : `${mn}.${n}`, p]);
      }
    }
    return out;
  }

  /**
   * Every trainable tensor, each once: what an optimiser updates.
   *
   * @example
   * ```ts
   * for (const p of model.parameters()) p.sub_(p.grad!.mul(0.1));
   * ```
   */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  // ---- buffers ----------------------------------------------------------------

  /**
   * Declares a non-trainable tensor (running statistics, a fixed mask) stored
   * as the property `name`. Persistent buffers are saved in {@link Module.stateDict}.
   * Reassigning the property later replaces the buffer. Returns the tensor.
   *
   * @example
   * ```ts
   * class Norm extends Module<[Tensor], Tensor> {
   *   runningMean: Tensor;
   *   constructor() { super(); this.runningMean = this.registerBuffer('runningMean', zeros([4])); }
   *   forward(x: Tensor): Tensor { return x.sub(this.runningMean); }
   * }
   * ```
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, persistent = true): T {
    if (name === '' || name.includes('.')) {
      throw new TapegradError(`registerBuffer: buffer name must be non-empty and contain no '.', got '${name}'`);
    }
    if (value !== null && !(value instanceof Tensor)) {
      throw new TapegradError(`registerBuffer: buffer '${name}' must be a Tensor or null`);
    }
    const self = this as unknown as Record<string, unknown>;
    const current = self[name];
    if (!this.#buffers.has(name) && (current instanceof Module || isParameter(current))) {
      throw new TapegradError(`registerBuffer: '${name}' is already a ${current instanceof Module ? 'submodule' : 'parameter'} of ${this.constructor.name}`);
    }
    if (isParameter(value)) throw new TapegradError(`registerBuffer: '${name}' is a parameter; a buffer must be a plain tensor`);
    this.#buffers.set(name, persistent);
    self[name] = value;
    return value;
  }

  /** This module's own buffers (including non-persistent ones) that are not null. */
  #ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const self = this as unknown as Record<string, unknown>;
    const out: [string, Tensor][] = [];
    for (const [name, persistent] of this.#buffers) {
      const v = self[name];
      if (v instanceof Tensor && (persistent || !persistentOnly)) out.push([name, v]);
    }
    return out;
  }

  /**
   * Buffers with dotted names, each tensor once.
   *
   * @example
   * ```ts
   * bn.namedBuffers().map(([n]) => n); // ['running_mean', 'running_var', 'num_batches_tracked']
   * ```
   */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mn, m] of mods) {
      for (const [n, b] of m.#ownBuffers(false)) {
        if (seen.has(b)) continue;
        seen.add(b);
        out.push([mn === '' ? n : `${mn}.${n}`, b]);
      }
    }
    return out;
  }

  /**
   * Every buffer, each once.
   *
   * @example
   * ```ts
   * model.buffers().length;
   * ```
   */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  // ---- modes and gradients ------------------------------------------------------

  /**
   * Sets training mode (`true`) or evaluation mode (`false`) on this module and
   * every submodule; layers such as dropout and batch norm behave differently.
   *
   * @example
   * ```ts
   * model.train();
   * ```
   */
  train(mode = true): this {
    for (const m of this.modules()) m.#training = mode;
    return this;
  }

  /**
   * Evaluation mode: `train(false)`.
   *
   * @example
   * ```ts
   * model.eval();
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears every parameter's gradient: sets it to null (the default) or fills it with zeros.
   *
   * @example
   * ```ts
   * model.zeroGrad();
   * ```
   */
  zeroGrad(setToNone = true): this {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad?.detach().zero_());
    }
    return this;
  }

  /**
   * Sets whether every parameter requires grad: `requiresGrad_(false)` freezes the module.
   *
   * @example
   * ```ts
   * model.encoder.requiresGrad_(false);
   * ```
   */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  // ---- devices ------------------------------------------------------------------

  /**
   * Every parameter and buffer, each once, and every parameter's gradient,
   * that is not on `device` yet: what moves with the module.
   */
  #toMove(device: string): { tensors: Tensor[]; grads: [Parameter, Tensor][] } {
    const tensors = [...new Set<Tensor>([...this.parameters(), ...this.buffers()])].filter((t) => t.device !== device);
    const grads: [Parameter, Tensor][] = [];
    for (const p of this.parameters()) if (p.grad !== null && p.grad.device !== device) grads.push([p, p.grad]);
    return { tensors, grads };
  }

  #checkDevice(op: string, device: unknown): void {
    if (typeof device !== 'string' || !isDeviceName(device)) {
      throw new TapegradError(`${op}: expected a device ('cpu' or 'webgpu'), got ${typeof device === 'string' ? `'${device}'` : String(device)}; ${op} moves parameters and buffers between devices`);
    }
  }

  /** Puts the moved tensors in place: the same tensor objects take the new storage. */
  #place(tensors: readonly Tensor[], moved: readonly Tensor[], grads: readonly [Parameter, Tensor][], movedGrads: readonly Tensor[]): this {
    noGrad(() => {
      tensors.forEach((t, i) => t.set_(moved[i]!));
      grads.forEach(([p, g], i) => {
        // A gradient cleared or replaced while it was read stays as it is now.
        if (p.grad !== g) return;
        // A gradient made with createGraph has history and cannot take new storage: it is replaced.
        if (g.isLeaf) g.set_(movedGrads[i]!);
        else p.grad = movedGrads[i]!;
      });
    });
    return this;
  }

  /**
   * Moves every parameter and buffer, and the parameters' gradients, to
   * `device`, in place (as PyTorch's `module.to`): the tensor objects stay
   * the same, so an optimizer made before the move keeps updating them (its
   * state follows at its next step). Moving off a device read only
   * asynchronously (the GPU to the CPU) is {@link Module.toAsync}; then this
   * throws before anything moved.
   *
   * @example
   * ```ts
   * setBackend(await createWebGpu({ gpu })); // registers the GPU
   * setDefaultDevice('cpu');
   * const model = new Linear(784, 10).to('webgpu');
   * model.forward(x.to('webgpu'));
   * ```
   */
  to(device: Device): this {
    this.#checkDevice('Module.to', device);
    const { tensors, grads } = this.#toMove(device);
    // Everything is moved before anything is placed: a refused move changes nothing.
    const [moved, movedGrads] = noGrad(() => [tensors.map((t) => t.detach().to(device)), grads.map(([, g]) => g.detach().to(device))]);
    return this.#place(tensors, moved, grads, movedGrads);
  }

  /**
   * {@link Module.to} for every direction, the GPU to the CPU included: the
   * elements are read asynchronously, then every tensor takes its new
   * storage at once.
   *
   * @example
   * ```ts
   * await model.toAsync('cpu');
   * saveModule(model); // reads the weights synchronously, on the CPU
   * ```
   */
  async toAsync(device: Device): Promise<this> {
    this.#checkDevice('Module.toAsync', device);
    const { tensors, grads } = this.#toMove(device);
    const [moved, movedGrads] = await Promise.all([
      Promise.all(tensors.map((t) => t.detach().toAsync(device))),
      Promise.all(grads.map(([, g]) => g.detach().toAsync(device))),
    ]);
    return this.#place(tensors, moved, grads, movedGrads);
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module.
   *
   * @example
   * ```ts
   * model.apply((m) => { if (m instanceof Linear) init.zeros_(m.weight); });
   * ```
   */
  apply(fn: (module: Module) => void): this {
    const visited = new Set<Module>();
    const walk = (m: Module): void => {
      if (visited.has(m)) return;
      visited.add(m);
      for (const c of m.children()) walk(c);
      fn(m);
    };
    walk(this);
    return this;
  }

  // ---- state --------------------------------------------------------------------

  /** Every parameter and persistent buffer under its full name, shared tensors under each of their names. */
  #stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visiting = new Set<Module>();
    const walk = (m: Module, prefix: string): void => {
      if (visiting.has(m)) return;
      visiting.add(m);
      const d = m.#direct();
      for (const [n, p] of d.params) out.push([prefix + n, p]);
      for (const [n, b] of m.#ownBuffers(true)) out.push([prefix + n, b]);
      for (const [n, c] of d.modules) walk(c, `${prefix}${n}.`);
      visiting.delete(m);
    };
    walk(this, '');
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name, as detached tensors that
   * share storage with the model (copy them to keep a snapshot).
   *
   * @example
   * ```ts
   * const weights = model.stateDict();
   * Object.keys(weights); // ['fc1.weight', 'fc1.bias', ...]
   * ```
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, t] of this.#stateEntries()) out[n] = t.detach();
    return out;
  }

  /**
   * Copies `dict`'s tensors into the model's parameters and buffers, in place
   * and without recording. Everything is checked first: with `strict` (the
   * default) missing and unexpected names are refused, and shape mismatches
   * always are, all listed in one {@link StateDictError}; then nothing is modified.
   * Values are converted to each target's dtype.
   *
   * @example
   * ```ts
   * model.loadStateDict(other.stateDict());
   * ```
   */
  loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, nnOptionRules.loadStateDict);
    const strict = options.strict ?? true;
    const given = dict instanceof Map ? new Map(dict) : new Map(Object.entries(dict as StateDict));
    const own = this.#stateEntries();
    const ownNames = new Set(own.map(([n]) => n));
    const missingKeys = own.filter(([n]) => !given.has(n)).map(([n]) => n);
    const unexpectedKeys = [...given.keys()].filter((n) => !ownNames.has(n));
    const mismatched: string[] = [];
    const pairs: [Tensor, Tensor][] = [];
    for (const [n, target] of own) {
      if (!given.has(n)) continue;
      const src: unknown = given.get(n);
      if (!(src instanceof Tensor)) mismatched.push(`${n}: expected a Tensor of shape ${fmtShape(target.shape)}, got ${typeof src}`);
      else if (src.shape.length !== target.shape.length || src.shape.some((s, i) => s !== target.shape[i])) {
        mismatched.push(`${n}: the model has shape ${fmtShape(target.shape)}, the dict has ${fmtShape(src.shape)}`);
      } else pairs.push([target, src]);
    }
    const refuse = mismatched.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0));
    if (refuse) {
      const lines = [`loadStateDict: the state dict does not fit ${this.constructor.name}; nothing was loaded`];
      if (strict && missingKeys.length > 0) lines.push(`  missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length > 0) lines.push(`  unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (mismatched.length > 0) lines.push(`  shape mismatches:\n${mismatched.map((s) => `    ${s}`).join('\n')}`);
      throw new StateDictError(lines.join('\n'), missingKeys, unexpectedKeys, mismatched);
    }
    noGrad(() => {
      for (const [target, src] of pairs) target.copy_(src.detach());
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- display ------------------------------------------------------------------

  /**
   * The text inside the parentheses of this module's line in {@link Module.toString}.
   * By default the shapes of its own parameters; layers override it with their settings.
   *
   * @example
   * ```ts
   * override extraRepr(): string { return `p=${this.p}`; }
   * ```
   */
  extraRepr(): string {
    return this.#direct()
      .params.map(([n, p]) => `${n}: ${fmtShape(p.shape)}`)
      .join(', ');
  }

  #repr(indent: string): string {
    const kids = this.namedChildren();
    const extra = this.extraRepr();
    const name = this.constructor.name;
    if (kids.length === 0) return `${name}(${extra})`;
    const inner = `${indent}  `;
    const lines = [`${name}(`];
    if (extra !== '') lines.push(inner + extra);
    for (const [n, c] of kids) lines.push(`${inner}(${n}): ${c.#repr(inner)}`);
    lines.push(`${indent})`);
    return lines.join('\n');
  }

  /**
   * A summary like PyTorch's: the module tree with each layer's settings,
   * then the number of parameters (total and trainable).
   *
   * @example
   * ```ts
   * console.log(String(new Sequential(new Linear(2, 3), new ReLU())));
   * // Sequential(
   * //   (0): Linear(inFeatures=2, outFeatures=3, bias=true)
   * //   (1): ReLU()
   * // )
   * // Parameters: 9 (9 trainable)
   * ```
   */
  toString(): string {
    const params = this.parameters();
    const total = params.reduce((s, p) => s + p.numel, 0);
    const trainable = params.reduce((s, p) => s + (p.requiresGrad ? p.numel : 0), 0);
    return `${this.#repr('')}\nParameters: ${total} (${trainable} trainable)`;
  }
}
