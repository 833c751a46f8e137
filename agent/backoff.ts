// Retry delays for every request the agent makes: exponential with jitter and a cap, so a fleet
// that lost its server does not come back in lockstep and does not hammer it while it recovers,
// and an agent started before the network is up comes online within one step of it appearing.
import { backoffDelay } from "../lib/backoff-delay.ts";

/** The first retry waits at most this long; each failure after doubles it... */
export const BACKOFF_BASE_MS = 500;
/** ...up to this (config.json `backoff.maxSeconds`); then every retry waits 15-30 s. */
export const BACKOFF_CAP_MS = 30_000;

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

  /** The next delay: see backoffDelay (equal jitter under a cap). */
  next(): number {
    const delay = backoffDelay(this.attempt, this.baseMs, this.capMs, this.random);
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  /** Only after the request that failed has succeeded: anything else would spin again. */
  reset(): void {
    this.attempt = 0;
  }
}
