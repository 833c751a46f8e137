// Work that falls due at a moment known in advance (an update's soak ending, a rollout host's soak
// or timeout) runs at that moment, not at the sweeper's next tick: a rollout of five groups spent a
// whole tick per group waiting for it. One timer, for the earliest moment asked; moments close
// together share one run (minGapMs), so a batch of 700 hosts ending its soak over half a second
// costs a few runs, not 700. The sweeper's tick stays the backstop for whatever is not asked for.

export class Wakeups {
  private readonly due = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastRun = Number.NEGATIVE_INFINITY;
  private stopped = false;

  /**
   * `run` is what falls due; it looks at the clock itself and does whatever is due by then. What
   * it throws goes to `onError`, and the moments after it still run.
   */
  constructor(
    private readonly run: () => void,
    private readonly onError: (err: unknown) => void,
    private readonly minGapMs = 50,
  ) {}

  /** Runs `run` at `when` (ms since the epoch) or soon after; a moment passed already runs soon. */
  at(when: number): void {
    if (this.stopped || !Number.isFinite(when)) return;
    this.due.add(when);
    this.arm();
  }

  /** No more runs: the server is closing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due.clear();
  }

  /** Moments asked for and not yet run (for tests and the curious). */
  get pending(): number {
    return this.due.size;
  }

  private arm(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const when of this.due) earliest = Math.min(earliest, when);
    if (!Number.isFinite(earliest)) return;
    const at = Math.max(earliest, this.lastRun + this.minGapMs);
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // A millisecond late rather than early: `run` compares against the same wall clock.
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()) + 1);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = Date.now();
    this.lastRun = now;
    for (const when of this.due) if (when <= now) this.due.delete(when);
    try {
      this.run();
    } catch (err) {
      this.onError(err);
    }
    this.arm();
  }
}
