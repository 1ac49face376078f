/**
 * The control block through which the calling thread shares matmul work with
 * its workers: a few `Int32` words in the shared memory, read and written with
 * `Atomics`. One round is one block of the matmul, cut into chunks of rows;
 * every thread (the caller included) claims chunks from `NEXT` until none is
 * left, so a worker that is slow to wake (or descheduled on a busy machine)
 * simply gets fewer, and the caller never waits for a worker that has not
 * started: only for chunks that were claimed.
 */

/** Bumped once per round (and once to stop); idle workers wait on it. */
export const SEQ = 0;
/** Chunks finished in this round; the caller waits for all of them. */
export const COMPLETED = 1;
/** Workers that have instantiated their module (what `setNumThreads`' promise waits for). */
export const READY = 2;
/** Non-zero: workers leave their loop at the next bump of `SEQ`. */
export const STOP = 3;
/** Set by a worker whose chunk threw (a trap), so that the caller throws too. */
export const FAILED = 4;
/**
 * The claim word: `tag << 20 | next chunk`, where `tag` (the round, modulo
 * `CLOSED_TAG`) makes a claim from a stale round fail its compare-exchange.
 * `CLOSED` (all bits set) between rounds.
 */
export const NEXT = 5;
/** Chunks in this round. */
export const CHUNKS = 6;
/** First word of the round's task (see `TASK_WORDS`). */
export const TASK = 8;
/**
 * Words of a task: `chunkRows, M, kc, nc, a, sam, sak, bPack, c, ldc, add`,
 * the arguments of the matmul module's `rows` that all threads share.
 */
export const TASK_WORDS = 11;
/** Bytes of the control block (`TASK + TASK_WORDS` words, rounded up to a cache line). */
export const CONTROL_BYTES = Math.ceil(((TASK + TASK_WORDS) * 4) / 64) * 64;
/** The tag of `CLOSED`, which no round uses. */
export const CLOSED_TAG = 0xfff;
/** The claim word between rounds. */
export const CLOSED = -1;

/**
 * Loads of a word before a waiter sleeps in `Atomics.wait`: within a matmul
 * the next round follows within microseconds, and waking a sleeping thread
 * costs tens of microseconds.
 */
export const SPINS = 20000;

let canBlock = true;

/**
 * Returns once `i32[index]` differs from `value`: spins `SPINS` loads, then
 * sleeps in `Atomics.wait`; where a thread may not block (a browser's main
 * thread, where `Atomics.wait` throws) it keeps spinning instead.
 *
 * @example
 * ```ts
 * waitWhileEqual(i32, base + COMPLETED, done);
 * ```
 */
export function waitWhileEqual(i32: Int32Array, index: number, value: number): void {
  let spins = 0;
  while (Atomics.load(i32, index) === value) {
    if (++spins < SPINS || !canBlock) continue;
    spins = 0;
    try {
      Atomics.wait(i32, index, value);
    } catch {
      canBlock = false;
    }
  }
}

/**
 * Claims the next chunk of the open round, or returns -1 when none is left
 * (or the round closed). A successful compare-exchange proves the round was
 * still open, so `CHUNKS` read before it belongs to that round; and a round
 * cannot close while a claimed chunk is unfinished, so the task stays intact
 * while the claimer works. The worker source repeats this loop in plain JS.
 *
 * @example
 * ```ts
 * for (let c = claimChunk(i32, base); c >= 0; c = claimChunk(i32, base)) work(c);
 * ```
 */
export function claimChunk(i32: Int32Array, base: number): number {
  for (;;) {
    const v = Atomics.load(i32, base + NEXT);
    if (v === CLOSED) return -1;
    const n = Atomics.load(i32, base + CHUNKS);
    if (Atomics.compareExchange(i32, base + NEXT, v, v + 1) !== v) continue;
    const c = v & 0xfffff;
    return c < n ? c : -1;
  }
}
