import { IndexError, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * A module that maps one tensor to one tensor: what {@link Sequential} chains.
 *
 * @example
 * ```ts
 * const layer: TensorModule = new Linear(4, 2);
 * ```
 */
export type TensorModule = Module<[Tensor], Tensor>;

/**
 * Runs modules one after another, each on the previous one's output. The
 * layers are named `0`, `1`, … in parameter names and the state dict.
 *
 * @example
 * ```ts
 * const mlp = new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 1));
 * const y = mlp.forward(randn([8, 2]));
 * mlp.namedParameters()[0]![0]; // '0.weight'
 * ```
 */
export class Sequential extends Module<[Tensor], Tensor> {
  readonly #layers: TensorModule[];

  constructor(...layers: TensorModule[]) {
    super();
    this.#layers = [...layers];
  }

  protected override members(): (readonly [string, unknown])[] {
    return [...this.#layers.map((m, i) => [String(i), m] as const), ...super.members()];
  }

  /** Number of layers. @example `new Sequential(new ReLU()).length // 1` */
  get length(): number {
    return this.#layers.length;
  }

  /**
   * The layer at `index` (negative counts from the end).
   *
   * @example
   * ```ts
   * const first = mlp.at(0) as Linear;
   * ```
   */
  at(index: number): TensorModule {
    const m = this.#layers.at(index);
    if (m === undefined) throw new IndexError(`Sequential.at: index ${index} is out of range for ${this.#layers.length} layers`);
    return m;
  }

  /**
   * Adds a layer at the end; returns this container.
   *
   * @example
   * ```ts
   * mlp.append(new Sigmoid());
   * ```
   */
  append(layer: TensorModule): this {
    this.#layers.push(layer);
    return this;
  }

  /** Iterates over the layers. @example `for (const layer of mlp) console.log(String(layer));` */
  [Symbol.iterator](): Iterator<TensorModule> {
    return this.#layers[Symbol.iterator]();
  }

  /** Feeds `x` through every layer in order. @example `mlp.forward(x)` */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.#layers) out = layer.forward(out);
    return out;
  }
}
