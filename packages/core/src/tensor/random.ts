/**
 * A seedable, splittable pseudo-random generator (xoshiro128**, seeded through
 * splitmix32). It uses only 32-bit integer arithmetic, so a seed gives the same
 * numbers in every JavaScript engine.
 *
 * @example
 * ```ts
 * const g = new Generator(42);
 * const x = randn([2, 2], { generator: g });
 * const child = g.split(); // an independent stream, e.g. for a data loader
 * ```
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | undefined;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /**
   * Resets the stream to the one a fresh `new Generator(seed)` produces.
   *
   * @example
   * ```ts
   * g.manualSeed(1);
   * ```
   */
  manualSeed(seed: number): this {
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = undefined;
    return this;
  }

  /**
   * The next 32-bit unsigned integer.
   *
   * @example
   * ```ts
   * new Generator(0).nextUint32();
   * ```
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * A uniform number in [0, 1) with 53 random bits.
   *
   * @example
   * ```ts
   * new Generator(0).nextFloat();
   * ```
   */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * A standard normal number (Box–Muller, both values used).
   *
   * @example
   * ```ts
   * new Generator(0).nextNormal();
   * ```
   */
  nextNormal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A uniform integer in [low, high).
   *
   * @example
   * ```ts
   * new Generator(0).nextInt(0, 10);
   * ```
   */
  nextInt(low: number, high: number): number {
    return low + Math.floor(this.nextFloat() * (high - low));
  }

  /**
   * A new generator whose stream is independent of this one's continuation;
   * this generator advances by one draw.
   *
   * @example
   * ```ts
   * const [a, b] = [g.split(), g.split()];
   * ```
   */
  split(): Generator {
    const child = new Generator(0);
    child.s0 = this.nextUint32() ^ 0x6a09e667;
    child.s1 = this.nextUint32() ^ 0xbb67ae85;
    child.s2 = this.nextUint32() ^ 0x3c6ef372;
    child.s3 = this.nextUint32() ^ 0xa54ff53a;
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    return child;
  }

  /**
   * The generator's full state, to save and restore a stream.
   *
   * @example
   * ```ts
   * const s = g.getState(); g.nextFloat(); g.setState(s);
   * ```
   */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare ?? Number.NaN];
  }

  /**
   * Restores a state taken with {@link Generator.getState}.
   *
   * @example
   * ```ts
   * g.setState(saved);
   * ```
   */
  setState(state: readonly number[]): this {
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    const spare = state[4];
    this.spare = spare === undefined || Number.isNaN(spare) ? undefined : spare;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The generator random functions use when none is passed; {@link manualSeed} reseeds it.
 *
 * @example
 * ```ts
 * defaultGenerator.manualSeed(0);
 * ```
 */
export const defaultGenerator: Generator = /* @__PURE__ */ new Generator(0);

/**
 * Seeds the default generator, as `torch.manual_seed` does.
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const a = rand([3]);
 * manualSeed(0);
 * rand([3]).equal(a); // true
 * ```
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
