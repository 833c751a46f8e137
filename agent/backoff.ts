// Retry delays for every request the agent makes: exponential with jitter and a cap, so a fleet
// that lost its server does not come back in lockstep and does not hammer it while it recovers,
// and an agent started before the network is up comes online within one step of it appearing.
/** The first retry waits at most this long; each failure after doubles it... */
export const BACKOFF_BASE_MS = 500;
/** ...up to this (config.json `backoff.maxSeconds`); then every retry waits 15-30 s. */
export const BACKOFF_CAP_MS = 30_000;
/** No retry sooner than this, whatever the jitter draws. */
const MIN_DELAY_MS = 50;

export interface BackoffLimits {
  baseMs: number;
  capMs: number;
}

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

  static of(limits: BackoffLimits): Backoff {
    return new Backoff(limits.baseMs, limits.capMs);
  }

  /**
   * The next delay: uniform in [ceiling/2, ceiling], ceiling = min(cap, base * 2^failures).
   * Half fixed, half random ("equal jitter") rather than [0, ceiling]: full jitter spreads a
   * fleet a little wider but lets any one agent retry within 50 ms even at the cap, so the rate
   * a recovering fleetd sees from N agents would have no bound below N per few seconds. This
   * way it is at most N per cap/2, and the delays still never line up.
   */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.max(MIN_DELAY_MS, Math.round(ceiling / 2 + (this.random() * ceiling) / 2));
  }

  /** Only after the request that failed has succeeded: anything else would spin again. */
  reset(): void {
    this.attempt = 0;
  }
}
