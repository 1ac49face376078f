// Timing helpers: medians after warm-up, libraries alternated sample by sample
// so that a noisy neighbour or thermal drift hits every library alike.

export const now = () => performance.now();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs each case's `run` (after `activate`, untimed) in rotating order until
 * every case has `minSamples` samples and either `maxSamples` or its time
 * budget is spent. Returns ms medians by case name, or an error string.
 */
export async function alternate(cases, { warmup = 2, minSamples = 3, maxSamples = 15, budgetMs = 3000 } = {}) {
  const out = {};
  const live = [];
  for (const c of cases) {
    try {
      await c.activate?.();
      for (let i = 0; i < warmup; i++) await c.run();
      live.push({ c, samples: [], spent: 0 });
    } catch (e) {
      out[c.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
    }
  }
  for (let round = 0; live.some((l) => l.samples.length < maxSamples && (l.samples.length < minSamples || l.spent < budgetMs)); round++) {
    const order = live.map((_, i) => live[(i + round) % live.length]);
    for (const l of order) {
      if (l.samples.length >= maxSamples || (l.samples.length >= minSamples && l.spent >= budgetMs)) continue;
      await l.c.activate?.();
      globalThis.gc?.();
      const t = now();
      await l.c.run();
      const dt = now() - t;
      l.samples.push(dt);
      l.spent += dt;
    }
  }
  for (const l of live) out[l.c.name] = { ms: median(l.samples), samples: l.samples.length };
  return out;
}
