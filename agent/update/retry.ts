// Retrying what the network breaks: fleetd restarting or a connection dropping mid-update
// should delay an update, not fail it. Refusals (bad signature, wrong size...) are final.
import { Backoff } from "../backoff.ts";
import { UpdateRefused } from "./errors.ts";

/** How long the update keeps retrying fetches from fleetd before it gives up. */
export const UPDATE_FETCH_RETRY_MS = 90_000;

export interface RetryOptions {
  budgetMs?: number;
  /**
   * A count that grows while attempts get somewhere (bytes downloaded): a failed attempt that
   * moved it starts the budget and the backoff afresh, so a long download cut late still resumes.
   */
  progress?: () => number;
}

export async function withRetry<T>(
  what: string,
  attempt: () => Promise<T>,
  say: (line: string) => void,
  signal: AbortSignal,
  { budgetMs = UPDATE_FETCH_RETRY_MS, progress }: RetryOptions = {},
): Promise<T> {
  let deadline = Date.now() + budgetMs;
  let backoff = new Backoff(500, 10_000);
  let seen = progress?.() ?? 0;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof UpdateRefused || signal.aborted) throw err;
      const now = progress?.() ?? 0;
      if (now > seen) {
        seen = now;
        deadline = Date.now() + budgetMs;
        backoff = new Backoff(500, 10_000);
      }
      if (Date.now() >= deadline) throw err;
      const delay = Math.min(backoff.next(), Math.max(0, deadline - Date.now()));
      say(`${what} failed (${(err as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await Bun.sleep(delay);
    }
  }
}
