let enabled = true;
let anomaly = false;

/**
 * Whether ops record themselves on the tape right now.
 *
 * @example
 * ```ts
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording: results do not require grad. What optimizers
 * and evaluation loops use.
 *
 * @example
 * ```ts
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/**
 * Runs `fn` with recording on, even inside {@link noGrad}.
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => w.mul(2))).requiresGrad; // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}

/**
 * Turns recording on or off until changed again; prefer {@link noGrad}.
 *
 * @example
 * ```ts
 * setGradEnabled(false);
 * ```
 */
export function setGradEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Whether anomaly detection is on (see {@link detectAnomaly}).
 *
 * @example
 * ```ts
 * isAnomalyEnabled(); // false
 * ```
 */
export function isAnomalyEnabled(): boolean {
  return anomaly;
}

/**
 * Runs `fn` with anomaly detection: every recorded op keeps the stack of the
 * call that made it, and the first NaN or Inf that a backward pass produces
 * throws an error naming that op and where it was called.
 *
 * @example
 * ```ts
 * detectAnomaly(() => x.sqrt().sum().backward()); // x = 0 gives Inf: throws, naming 'sqrt'
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomaly;
  anomaly = true;
  try {
    return fn();
  } finally {
    anomaly = prev;
  }
}
