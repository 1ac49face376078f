// Arrays the collector frees go back to the C allocator, and glibc's malloc
// (Linux) hands memory back to the system eagerly: on free, every chunk at or
// above its mmap threshold (128 KiB at first) is unmapped, and a free top of
// the heap beyond its trim threshold is trimmed. The next step's arrays then
// touch fresh pages, which cost more than most kernels (12.5 µs per 4 KiB on
// a virtual machine measured here: 6.4 ms for a 2 MB conv output). glibc
// raises both thresholds itself the first time it frees a mapped chunk larger
// than the mmap threshold (to that chunk's size, at most 32 MiB, and the trim
// threshold to twice that): its own heuristic for programs that keep making
// big temporaries. The first large array tapegrad makes triggers that
// adjustment at once instead of leaving it to whatever the process frees
// first: one untouched ArrayBuffer just under 32 MiB, dropped as soon as it is
// made. calloc maps it without touching a page, so it costs no faults, and the
// collector frees it at its next run. Other allocators (browsers') only see a
// short-lived reservation.

/** Just under glibc's largest dynamic mmap threshold (32 MiB on 64-bit), so that freeing it moves the thresholds. */
const PRIMER_BYTES = (32 << 20) - (64 << 10);

/** Arrays from this size on are the ones whose pages glibc would hand back. */
const LARGE_BYTES = 1 << 18;

let primed = false;

/**
 * Turns the priming off (or back on, for an allocator not primed yet): for
 * measuring what it gains, or where a process must not reserve address space.
 *
 * @example
 * ```ts
 * setMallocPriming(false);
 * ```
 */
export function setMallocPriming(on: boolean): void {
  enabled = on;
}

let enabled = true;

/**
 * Called with the size of every array the allocator makes fresh; the first
 * large one primes the C allocator's thresholds (see above).
 *
 * @example
 * ```ts
 * noteFreshBytes(n * 4);
 * ```
 */
export function noteFreshBytes(bytes: number): void {
  if (primed || !enabled || bytes < LARGE_BYTES) return;
  primed = true;
  try {
    primer = new ArrayBuffer(PRIMER_BYTES);
  } catch {
    // An engine short of memory may refuse it: nothing else depends on it.
  }
  primer = null;
}

// Written then dropped: the buffer must be made, not optimised away.
// biome-ignore lint/correctness/noUnusedVariables: the store is the point; see above.
let primer: ArrayBuffer | null = null;
