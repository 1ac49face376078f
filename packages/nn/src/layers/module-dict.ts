import { IndexError, TapegradError } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * Submodules by name, in insertion order; the key is the name used in
 * parameter names (`heads.classifier.weight`). Keys must not contain '.'.
 *
 * @example
 * ```ts
 * const heads = new ModuleDict({ classifier: new Linear(8, 3), regressor: new Linear(8, 1) });
 * heads.get('classifier').forward(h);
 * ```
 */
export class ModuleDict<M extends Module = Module> extends Module<[], never> {
  readonly #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<readonly [string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? (modules as Iterable<readonly [string, M]>) : Object.entries(modules as Record<string, M>);
    for (const [k, m] of entries) this.set(k, m);
  }

  protected override members(): (readonly [string, unknown])[] {
    return [...this.#items, ...super.members()];
  }

  /** Number of modules. @example `heads.size` */
  get size(): number {
    return this.#items.size;
  }

  /**
   * The module named `key`; throws if there is none.
   *
   * @example
   * ```ts
   * heads.get('regressor');
   * ```
   */
  get(key: string): M {
    const m = this.#items.get(key);
    if (m === undefined) throw new IndexError(`ModuleDict.get: no module named '${key}' (keys: ${[...this.#items.keys()].join(', ')})`);
    return m;
  }

  /**
   * Whether a module is named `key`.
   *
   * @example
   * ```ts
   * heads.has('classifier'); // true
   * ```
   */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /**
   * Adds or replaces the module named `key`; returns this dict.
   *
   * @example
   * ```ts
   * heads.set('aux', new Linear(8, 2));
   * ```
   */
  set(key: string, module: M): this {
    if (key === '' || key.includes('.')) throw new TapegradError(`ModuleDict.set: key must be non-empty and contain no '.', got '${key}'`);
    if (!(module instanceof Module)) throw new TapegradError(`ModuleDict.set: value for '${key}' is not a Module`);
    this.#items.set(key, module);
    return this;
  }

  /**
   * Removes the module named `key`; returns whether there was one.
   *
   * @example
   * ```ts
   * heads.delete('aux');
   * ```
   */
  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  /** The keys in insertion order. @example `[...heads.keys()]` */
  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  /** The modules in insertion order. @example `[...heads.values()]` */
  values(): IterableIterator<M> {
    return this.#items.values();
  }

  /** `[key, module]` pairs in insertion order. @example `for (const [k, m] of heads) ...` */
  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  /** Iterates over `[key, module]` pairs. @example `for (const [k, m] of heads) ...` */
  [Symbol.iterator](): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  /** A ModuleDict has no forward; this always throws. @example `// use heads.get(key).forward(x)` */
  forward(): never {
    throw new TapegradError("ModuleDict.forward: a ModuleDict has no forward; call the modules it holds");
  }
}
