// Timing helpers: medians after warm-up, libraries alternated sample by sample
// so that a noisy neighbour or thermal drift hits every library alike.

export const now = () => performance.now();

/** What `BENCH_TRACE` prints of a sample's resource use, per step. */
function traceUsage(before, after, steps) {
  const per = (key) => (after[key] - before[key]) / steps;
  const cpuMs = (per('userCPUTime') + per('systemCPUTime')) / 1000;
  return `${per('minorPageFault')} page faults, ${cpuMs.toFixed(0)} ms CPU, ${per('involuntaryContextSwitches')} involuntary switches per step`;
}

/** The resource use of the process `c` runs in: its own (`c.usage`) or this one. */
const usage = async (c) => (c.usage ? c.usage() : process.resourceUsage());

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs each case's `run` (after `activate`, untimed) in rotating order until
 * every case has `minSamples` samples and either `maxSamples` or its time
 * budget is spent; each sample runs `untimed` steps before its timed ones.
 * A case that runs in another process may bring `collect` (a full collection
 * there) and `usage` (that process's `process.resourceUsage()`).
 * Returns each case's median in ms with its sample count and range, or an
 * error string.
 */
export async function alternate(cases, { warmup = 2, minSamples = 3, maxSamples = 15, budgetMs = 3000, untimed = 2 } = {}) {
  const out = {};
  const live = [];
  for (const c of cases) {
    try {
      await c.activate?.();
      let slowest = 0;
      for (let i = 0; i < warmup; i++) {
        const t = now();
        await c.run();
        slowest = Math.max(slowest, now() - t);
      }
      // Fast steps are timed in runs of several, as a training loop runs them;
      // steps of 100 ms or more one at a time.
      const steps = slowest >= 100 ? 1 : 4;
      live.push({ c, samples: [], spent: 0, steps });
    } catch (e) {
      out[c.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
    }
  }
  const fail = (l, e) => {
    out[l.c.name] = { error: String(e?.message ?? e).split('\n')[0].slice(0, 120) };
    live.splice(live.indexOf(l), 1);
  };
  for (let round = 0; live.some((l) => l.samples.length < maxSamples && (l.samples.length < minSamples || l.spent < budgetMs)); round++) {
    const order = live.map((_, i) => live[(i + round) % live.length]);
    for (const l of order) {
      if (l.samples.length >= maxSamples || (l.samples.length >= minSamples && l.spent >= budgetMs)) continue;
      // A step that throws (a backend check, say) leaves an error, never a figure.
      let dt;
      let before;
      try {
        await l.c.activate?.();
        // A clean heap for every library alike, then untimed steps: a forced
        // collection hands freed memory back to the system, and on this VM the
        // first touch of fresh pages costs more than most kernels. A training
        // loop never forces collections, so the timed steps run as its steady
        // state does, the collector reclaiming memory as it goes.
        // A case in a process of its own collects there (`collect`) and reports that process's `usage`.
        await (l.c.collect ?? globalThis.gc)?.();
        for (let i = 0; i < untimed; i++) await l.c.run();
        before = await usage(l.c);
        const t = now();
        for (let i = 0; i < l.steps; i++) await l.c.run();
        dt = (now() - t) / l.steps;
      } catch (e) {
        fail(l, e);
        continue;
      }
      // BENCH_TRACE=1: every sample, with its process's page faults (first touches of fresh memory), CPU time
      // (all its threads) and involuntary context switches (time the system gave to others) per step.
      if (process.env.BENCH_TRACE) console.log(`  ${l.c.name} ${dt.toFixed(2)} ms, ${traceUsage(before, await usage(l.c), l.steps)}`);
      l.samples.push(dt);
      l.spent += dt * l.steps;
    }
  }
  // The range shows how far this machine moved the samples the median was taken from.
  for (const l of live) out[l.c.name] = { ms: median(l.samples), samples: l.samples.length, range: [Math.min(...l.samples), Math.max(...l.samples)] };
  return out;
}
