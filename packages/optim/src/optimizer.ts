import { DTypeError, DeviceError, ShapeError, Tensor, canReadSync, enableGrad, noGrad, fmtShape, optionRules, type OptionRules } from '@tapegrad/core';
import { checkOptionKeys } from './check.js';
import { OptimError } from './optim-error.js';
import { serializeTensor, type SerializedTensor } from './serialized-tensor.js';
import { describe, restoreParamState, type StateSpec } from './state-spec.js';

/**
 * What every optimizer's options have: a learning rate.
 *
 * @example
 * ```ts
 * const o: BaseOptions = { lr: 0.1 };
 * ```
 */
export interface BaseOptions {
  lr: number;
}

/**
 * A value an optimizer option may take: all of them survive `JSON.stringify`.
 *
 * @example
 * ```ts
 * const betas: OptionValue = [0.9, 0.999];
 * ```
 */
export type OptionValue = number | boolean | string | readonly number[];

/**
 * One parameter group: the tensors it updates and the options they share.
 * A scheduler records the learning rate it started from in `initialLr`.
 *
 * @example
 * ```ts
 * opt.paramGroups[0].lr = 0.01;
 * ```
 */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  initialLr?: number;
};

/**
 * A parameter group as given to a constructor or to `addParamGroup`: options
 * left out take the optimizer's defaults.
 *
 * @example
 * ```ts
 * const g: ParamGroupInput<SGDOptions> = { params: [w], lr: 0.1 };
 * ```
 */
export type ParamGroupInput<O extends BaseOptions = BaseOptions> = Partial<O> & {
  readonly params: Iterable<Tensor>;
};

/**
 * What an optimizer is built from: a list of tensors (one group), or a list of groups.
 *
 * @example
 * ```ts
 * const p: ParamsInput<SGDOptions> = [{ params: [w], lr: 0.1 }, { params: [b] }];
 * ```
 */
export type ParamsInput<O extends BaseOptions = BaseOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/**
 * Per-parameter optimizer state: counters and buffers the shape of the parameter.
 *
 * @example
 * ```ts
 * const s: ParamState = { step: 3, expAvg: zeros([2]) };
 * ```
 */
export type ParamState = { [key: string]: number | Tensor | undefined };

/**
 * An optimizer's state as plain JSON. `state` is keyed by the index of the
 * parameter, counting through the groups in order; `paramGroups` lists each
 * group's options with `params` replaced by those indices.
 *
 * @example
 * ```ts
 * const saved = JSON.stringify(opt.stateDict());
 * opt2.loadStateDict(JSON.parse(saved) as OptimizerStateDict);
 * ```
 */
export interface OptimizerStateDict {
  readonly state: { readonly [index: string]: { readonly [key: string]: number | SerializedTensor } };
  readonly paramGroups: readonly ({ readonly params: readonly number[] } & { readonly [key: string]: OptionValue })[];
}

/**
 * Options of {@link Optimizer.zeroGrad}.
 *
 * @example
 * ```ts
 * opt.zeroGrad({ setToNone: false });
 * ```
 */
export interface ZeroGradOptions {
  /** Set `.grad` to null (the default, as PyTorch) rather than filling it with zeros. */
  readonly setToNone?: boolean;
}

/** The keys of an optimizer's defaults, each accepting any value (its `validateOptions` checks them). */
function anyValueOf(defaults: object): OptionRules {
  return Object.fromEntries(Object.keys(defaults).map((k) => [k, optionRules.any]));
}

function isGroupInput(v: unknown): v is ParamGroupInput {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && 'params' in v;
}

/**
 * Base class of the optimizers: parameter groups with per-group options, lazily
 * created per-parameter state, `zeroGrad`, `step` and a JSON state dict.
 * A subclass names itself, fills in defaults, validates options and updates
 * one parameter at a time.
 *
 * @example
 * ```ts
 * const opt = new SGD([{ params: [w], lr: 0.1 }, { params: [b] }], { lr: 0.01, momentum: 0.9 });
 * loss.backward();
 * opt.step();
 * opt.zeroGrad();
 * ```
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions, S extends ParamState = ParamState> {
  /** The parameter groups, each with its own options. Schedulers change `lr` here. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created at a parameter's first update. */
  readonly state = new Map<Tensor, S>();
  /** The options a group takes for what it leaves out. */
  readonly defaults: Readonly<O>;
  /** The optimizer's name, as errors show it. */
  readonly optimizerName: string;

  /**
   * @param name the optimizer's name for messages.
   * @param params tensors or parameter groups.
   * @param defaults complete options for groups that leave some out.
   */
  protected constructor(name: string, params: ParamsInput<O>, defaults: O, options: Partial<O> = {}) {
    this.optimizerName = name;
    checkOptionKeys(name, options, anyValueOf(defaults));
    this.defaults = { ...defaults, ...options };
    this.validateOptions(this.defaults);
    const list: unknown[] = params !== null && typeof params === 'object' && Symbol.iterator in params ? Array.from(params as Iterable<unknown>) : [];
    if (list.length === 0) throw new OptimError(`${name}: got an empty parameter list; expected tensors or parameter groups`);
    if (list.every((p) => p instanceof Tensor)) {
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    } else if (list.every(isGroupInput)) {
      for (const g of list) this.addParamGroup(g as ParamGroupInput<O>);
    } else {
      throw new OptimError(`${name}: params must be a list of tensors or a list of parameter groups ({ params: [...] , ...options }), not a mix`);
    }
  }

  /** Throws an {@link OptimError} naming the optimizer for an invalid option. */
  protected abstract validateOptions(options: Readonly<O>): void;

  /** Updates one parameter in place from its gradient and state (called under `noGrad`). */
  protected abstract updateParam(param: Tensor, grad: Tensor, state: S, group: ParamGroup<O>): void;

  /** The state of a parameter before its first update. */
  protected abstract initState(param: Tensor): S;

  /**
   * Adds a group of parameters with its own options (the defaults fill the rest),
   * for example layers unfrozen during fine-tuning.
   *
   * @example
   * ```ts
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   * ```
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const name = this.optimizerName;
    if (!isGroupInput(group)) throw new OptimError(`${name}.addParamGroup: expected an object { params: [...], ...options }`);
    const rawParams: unknown = group.params;
    if (rawParams instanceof Tensor) throw new OptimError(`${name}: a group's params must be a list of tensors, got a single tensor; wrap it in [ ]`);
    const params: unknown[] = rawParams !== null && typeof rawParams === 'object' && Symbol.iterator in rawParams ? Array.from(rawParams as Iterable<unknown>) : [];
    if (params.length === 0) throw new OptimError(`${name}: got a parameter group with no parameters`);
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new OptimError(`${name}: parameter ${i} of the group is not a tensor (got ${p === null ? 'null' : typeof p})`);
      if (!p.requiresGrad) throw new OptimError(`${name}: parameter ${i} of the group (shape ${fmtShape(p.shape)}, ${p.dtype}) does not require grad; create it with { requiresGrad: true }`);
      if (!p.isLeaf) throw new OptimError(`${name}: parameter ${i} of the group (shape ${fmtShape(p.shape)}) is not a leaf tensor; optimize the leaf it was computed from, or detach().requiresGrad_()`);
      if (seen.has(p)) throw new OptimError(`${name}: parameter ${i} of the group (shape ${fmtShape(p.shape)}) appears more than once in the parameter groups`);
      seen.add(p);
    });
    checkOptionKeys(`${name}.addParamGroup`, group, { params: optionRules.any, initialLr: optionRules.any, ...anyValueOf(this.defaults) });
    const { params: _omit, ...overrides } = group;
    const options = { ...this.defaults, ...overrides } as O;
    this.validateOptions(options);
    this.paramGroups.push({ ...options, params: params as Tensor[] });
  }

  /**
   * Clears the gradients of every parameter: sets them to null (the default,
   * so that the next backward allocates fresh ones) or fills them with zeros.
   *
   * @example
   * ```ts
   * opt.zeroGrad();
   * ```
   */
  zeroGrad(options: ZeroGradOptions = {}): void {
    checkOptionKeys(`${this.optimizerName}.zeroGrad`, options, { setToNone: optionRules.boolean });
    const setToNone = options.setToNone ?? true;
    noGrad(() => {
      for (const g of this.paramGroups) {
        for (const p of g.params) {
          if (p.grad === null) continue;
          if (setToNone) p.grad = null;
          else {
            // A gradient made with createGraph is part of a graph; cut it out first.
            if (!p.grad.isLeaf) p.grad = p.grad.detach();
            p.grad.zero_();
          }
        }
      }
    });
  }

  /**
   * Performs one update of every parameter that has a gradient (those whose
   * `.grad` is null are skipped). `closure`, if given, re-evaluates the model
   * with recording on and returns the loss, which `step` returns.
   *
   * @example
   * ```ts
   * loss.backward();
   * opt.step();
   * ```
   */
  step<L = undefined>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    noGrad(() => {
      // State that must follow its parameter to another device moves first:
      // a move refused for one parameter leaves every parameter unchanged.
      let index = 0;
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const i = index++;
          const state = this.state.get(p);
          if (p.grad !== null && state !== undefined) this.followParam(p, state, i);
        }
      }
      index = 0;
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const i = index++;
          const grad = p.grad;
          if (grad === null) continue;
          this.checkGrad(p, grad, i);
          let state = this.state.get(p);
          if (state === undefined) {
            state = this.initState(p);
            this.state.set(p, state);
          }
          this.updateParam(p, grad, state, group);
        }
      }
    });
    return loss;
  }

  /**
   * Moves the state tensors of parameter `i` that are not on its device
   * (the model moved since they were made) to it; a move off a device read
   * only asynchronously is refused, naming {@link Optimizer.moveStateAsync}.
   */
  private followParam(p: Tensor, state: S, i: number): void {
    for (const [k, v] of Object.entries(state)) {
      if (!(v instanceof Tensor) || v.device === p.device) continue;
      if (!canReadSync(v)) {
        throw new DeviceError(
          `${this.optimizerName}.step: the state '${k}' of parameter ${i} (shape ${fmtShape(p.shape)}) is on '${v.device}' but the parameter is now on '${p.device}'; ` +
            `moving it there reads '${v.device}', which can only be read asynchronously: call await opt.moveStateAsync() once the parameters have moved`,
        );
      }
      (state as ParamState)[k] = v.to(p.device);
    }
  }

  /**
   * Moves every state tensor to its parameter's device, reading asynchronously
   * where needed: after `await model.toAsync('cpu')`, the state made on the
   * GPU comes to the CPU. (A move the other way happens by itself at the next
   * {@link Optimizer.step}.)
   *
   * @example
   * ```ts
   * await model.toAsync('cpu');
   * await opt.moveStateAsync();
   * opt.step();
   * ```
   */
  async moveStateAsync(): Promise<void> {
    const moves: Promise<void>[] = [];
    for (const [p, state] of this.state) {
      for (const [k, v] of Object.entries(state)) {
        if (!(v instanceof Tensor) || v.device === p.device) continue;
        moves.push(
          v.toAsync(p.device).then((moved) => {
            // State replaced while it was read stays as it is now.
            if (state[k] === v) (state as ParamState)[k] = moved;
          }),
        );
      }
    }
    await Promise.all(moves);
  }

  private checkGrad(p: Tensor, g: Tensor, i: number): void {
    if (!(g instanceof Tensor)) throw new OptimError(`${this.optimizerName}.step: the .grad of parameter ${i} is not a tensor`);
    if (g.shape.length !== p.shape.length || g.shape.some((d, k) => d !== p.shape[k])) {
      throw new ShapeError(`${this.optimizerName}.step: the gradient of parameter ${i} has shape ${fmtShape(g.shape)} but the parameter has shape ${fmtShape(p.shape)}; expected equal shapes`);
    }
    if (g.device !== p.device) {
      throw new DeviceError(`${this.optimizerName}.step: the gradient of parameter ${i} (shape ${fmtShape(p.shape)}) is on '${g.device}' but the parameter is on '${p.device}'; move the parameter with its gradient (module.to moves both)`);
    }
    if (g.dtype !== p.dtype) {
      throw new DTypeError(`${this.optimizerName}.step: the gradient of parameter ${i} (shape ${fmtShape(p.shape)}) has dtype ${g.dtype} but the parameter is ${p.dtype}; expected equal dtypes`);
    }
  }

  private allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /**
   * The optimizer's state (per-parameter buffers and counters) and every group's
   * options, as plain JSON. Loading it with {@link Optimizer.loadStateDict} into
   * an optimizer over parameters restored to the same values continues training
   * bit for bit.
   *
   * @example
   * ```ts
   * localStorage.setItem('opt', JSON.stringify(opt.stateDict()));
   * ```
   */
  stateDict(): OptimizerStateDict {
    const indexOf = new Map<Tensor, number>();
    this.allParams().forEach((p, i) => indexOf.set(p, i));
    const state: Record<string, Record<string, number | SerializedTensor>> = {};
    for (const [p, s] of this.state) {
      const i = indexOf.get(p);
      if (i === undefined) continue;
      const entry: Record<string, number | SerializedTensor> = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor && !canReadSync(v)) {
          throw new DeviceError(
            `${this.optimizerName}.stateDict: the state '${k}' of parameter ${i} is on '${v.device}', which can only be read asynchronously; ` +
              `bring the parameters and the state to the CPU first: await model.toAsync('cpu'); await opt.moveStateAsync()`,
          );
        }
        if (v instanceof Tensor) entry[k] = serializeTensor(v);
        else if (typeof v === 'number') entry[k] = v;
      }
      state[String(i)] = entry;
    }
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      const out: Record<string, OptionValue> = {};
      for (const [k, v] of Object.entries(options)) {
        if (v === undefined) continue;
        out[k] = Array.isArray(v) ? [...(v as number[])] : (v as OptionValue);
      }
      return { ...out, params: params.map(() => next++) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores state and group options saved by {@link Optimizer.stateDict}. The
   * optimizer must have as many groups, with as many parameters each, of the
   * same shapes.
   *
   * @example
   * ```ts
   * opt.loadStateDict(JSON.parse(saved) as OptimizerStateDict);
   * ```
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const who = `${this.optimizerName}.loadStateDict`;
    if (typeof dict !== 'object' || dict === null || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object' || dict.state === null) {
      throw new OptimError(`${who}: expected an object { state, paramGroups } as stateDict() returns`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new OptimError(`${who}: the saved state has ${dict.paramGroups.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    // Everything is checked, and every problem collected, before anything is
    // changed: a rejected state leaves the optimizer as it was.
    const problems: string[] = [];
    const savedIndex = new Map<number, Tensor>();
    const newOptions = dict.paramGroups.map((saved, gi) => {
      const group = this.paramGroups[gi]!;
      if (typeof saved !== 'object' || saved === null || !Array.isArray(saved.params) || saved.params.length !== group.params.length) {
        const n = typeof saved === 'object' && saved !== null && Array.isArray(saved.params) ? saved.params.length : 'no';
        problems.push(`paramGroups[${gi}] has ${n} parameters but the optimizer's group ${gi} has ${group.params.length}`);
        return null;
      }
      saved.params.forEach((id: unknown, k: number) => {
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) problems.push(`paramGroups[${gi}].params[${k}] must be a parameter index, got ${describe(id)}`);
        else if (savedIndex.has(id)) problems.push(`paramGroups[${gi}].params[${k}]: parameter index ${id} appears twice`);
        else savedIndex.set(id, group.params[k]!);
      });
      const { params: _omit, ...options } = saved;
      try {
        this.validateOptions({ ...this.defaults, ...options } as unknown as O);
      } catch (e) {
        problems.push(`paramGroups[${gi}]: ${e instanceof Error ? e.message : String(e)}`);
      }
      return options;
    });
    const restored = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(dict.state)) {
      const p = /^\d+$/.test(key) ? savedIndex.get(Number(key)) : undefined;
      if (p === undefined) {
        problems.push(`state['${key}'] names no parameter of the saved groups (${savedIndex.size} parameters)`);
        continue;
      }
      const s = restoreParamState(this.stateSpec(), entry, p, `state['${key}']`, who, problems);
      if (s !== null) restored.set(p, s as S);
    }
    if (problems.length > 0) {
      throw new OptimError(`${who}: the saved state is invalid, nothing was loaded:\n  - ${problems.join('\n  - ')}`);
    }
    newOptions.forEach((options, gi) => Object.assign(this.paramGroups[gi]!, options));
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
  }

  /**
   * The fields of this algorithm's per-parameter state and what each may
   * hold, as data: what {@link Optimizer.loadStateDict} checks a saved state
   * against. `null` (the default, for optimizers defined elsewhere) accepts
   * any field holding a finite number or a finite tensor like the parameter.
   *
   * @example
   * ```ts
   * protected override stateSpec(): StateSpec { return { momentumBuffer: { kind: 'tensor' } }; }
   * ```
   */
  protected stateSpec(): StateSpec | null {
    return null;
  }
}
