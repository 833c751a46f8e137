// Exponential backoff with "equal jitter", as one pure function of the number of failures so far:
// the agent's reconnects keep the count in memory (agent/backoff.ts), fleetd's outbox keeps it on
// disk with each delivery, and both draw their delays the same way.

/** No retry sooner than this, whatever the jitter draws. */
export const MIN_BACKOFF_DELAY_MS = 50;

/**
 * Uniform in [ceiling/2, ceiling], ceiling = min(cap, base * 2^failures). Half fixed, half random
 * rather than [0, ceiling]: full jitter spreads retries a little wider but lets any one retry come
 * within 50 ms even at the cap, so the rate a recovering peer sees from N retriers would have no
 * bound below N per few seconds. This way it is at most N per cap/2, and the delays never line up.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failures, 30));
  return Math.max(MIN_BACKOFF_DELAY_MS, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}
