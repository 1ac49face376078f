/** Where progress goes: a stream-like sink and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

/** What one update of the bar shows. */
export interface ProgressState {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly samples: number;
}

const WIDTH = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * A progress bar for one epoch: redrawn in place on a terminal, printed as
 * plain lines (about ten per epoch) otherwise, so that logs stay readable.
 */
export class ProgressBar {
  private readonly start = performance.now();
  private lastPlain = -1;
  private lastDraw = 0;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
  ) {}

  update(state: ProgressState): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? state.samples / elapsed : 0;
    const eta = state.step > 0 ? (elapsed / state.step) * (state.steps - state.step) : Number.NaN;
    const stats = `loss ${state.loss.toFixed(4)}  acc ${(state.accuracy * 100).toFixed(1)}%  ${Math.round(rate).toLocaleString('en-US')} samples/s  ETA ${duration(eta)}`;
    if (this.sink.isTTY) {
      // Redraw at most ~12 times a second: a terminal write per step would cost more than a small step.
      const now = performance.now();
      if (now - this.lastDraw < 80 && state.step !== state.steps) return;
      this.lastDraw = now;
      const filled = Math.round((state.step / state.steps) * WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
      this.sink.write(`\r\x1b[2K${this.label} ${bar} ${state.step}/${state.steps}  ${stats}`);
      return;
    }
    const decile = Math.floor((state.step / state.steps) * 10);
    if (decile > this.lastPlain || state.step === state.steps) {
      this.lastPlain = decile;
      this.sink.write(`${this.label} ${state.step}/${state.steps}  ${stats}\n`);
    }
  }

  /** Ends the bar's line (on a terminal) with the epoch's closing numbers. */
  done(summary: string): void {
    const elapsed = (performance.now() - this.start) / 1000;
    if (this.sink.isTTY) this.sink.write('\n');
    this.sink.write(`${this.label} done in ${elapsed.toFixed(1)}s  ${summary}\n`);
  }
}
