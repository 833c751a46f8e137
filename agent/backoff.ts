// Reconnect delays: exponential with full jitter and a cap, so a fleet that lost its
// server does not come back in lockstep, and an agent started before the network is up
// comes online within one step of the network appearing.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;

export class Backoff {
  private attempt = 0;

  get attempts(): number {
    return this.attempt;
  }
  constructor(
    private readonly baseMs = BACKOFF_BASE_MS,
    private readonly capMs = BACKOFF_CAP_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay: uniform in [0, min(cap, base * 2^attempt)], never below 50 ms. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.max(50, Math.round(this.random() * ceiling));
  }

  reset(): void {
    this.attempt = 0;
  }
}
