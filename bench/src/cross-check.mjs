// Before anything is timed, every peer's result is compared with the
// reference's (tapegrad on its plain-TypeScript backend), and every timed
// function checks that its library runs on the backend its column names. A
// peer that fails either gets an error cell, never a figure.

/**
 * Wraps `run` so that each call first checks, with one string compare, that
 * `current()` (the backend the library reports) is `expected`.
 */
export function onBackend(column, expected, current, run) {
  return (...args) => {
    const got = current();
    if (got !== expected) throw new Error(`backend: ${column} is running on '${got}', not '${expected}'`);
    return run(...args);
  };
}

/**
 * Compares result lists at float32 tolerance: |got − ref| ≤ atol + rtol·|ref|,
 * with atol relative to the largest |ref| of each output (sums and long chains
 * round differently in every library). Returns null, or what differs.
 */
export function compareResults(ref, got, { rtol = 1e-3, atol = 1e-4 } = {}) {
  if (got.length !== ref.length) return `mismatch: ${got.length} outputs, the reference has ${ref.length}`;
  for (let k = 0; k < ref.length; k++) {
    const r = ref[k];
    const g = got[k];
    if (g.length !== r.length) return `mismatch: output ${k} has ${g.length} values, the reference ${r.length}`;
    let scale = 0;
    for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]));
    let bad = 0;
    let worst = -1;
    let worstErr = -1;
    for (let i = 0; i < r.length; i++) {
      const err = Math.abs(g[i] - r[i]);
      // NOTE: written so that a NaN on either side counts as a difference.
      if (!(err <= atol * scale + rtol * Math.abs(r[i]))) {
        bad++;
        if (!(err <= worstErr)) [worst, worstErr] = [i, err];
      }
    }
    if (bad > 0) return `mismatch: output ${k}: ${bad} of ${r.length} values differ, at [${worst}] ${g[worst]} vs ${r[worst]}`;
  }
  return null;
}

const reason = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 120);

/**
 * Runs every case (`{ name, run, read }`) `steps` times, reads its results
 * (`read(out)` → arrays of numbers, in the reference's layout) and compares
 * them with the case named `reference`. Returns the cases that agree and an
 * error for each that does not (or that threw).
 */
export async function crossCheck(cases, reference, { steps = 1, tolerance = {} } = {}) {
  const results = new Map();
  const errors = {};
  for (const c of cases) {
    try {
      await c.activate?.();
      const values = [];
      for (let s = 0; s < steps; s++) values.push(...(await c.read(await c.run())));
      results.set(c.name, values);
    } catch (e) {
      errors[c.name] = reason(e);
    }
  }
  const ref = results.get(reference);
  for (const c of cases) {
    if (c.name === reference || errors[c.name] !== undefined) continue;
    const diff = ref === undefined ? `not cross-checked: ${reference} has no result` : compareResults(ref, results.get(c.name), tolerance);
    if (diff !== null) errors[c.name] = diff;
  }
  return { passed: cases.filter((c) => errors[c.name] === undefined), errors };
}
