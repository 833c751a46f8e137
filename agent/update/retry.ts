// Retrying what the network breaks: fleetd restarting or a connection dropping mid-update
// should delay an update, not fail it. Refusals (bad signature, wrong size...) are final.
import { Backoff } from "../backoff.ts";
import { UpdateRefused } from "./download.ts";

/** How long the update keeps retrying fetches from fleetd before it gives up. */
export const UPDATE_FETCH_RETRY_MS = 90_000;

export async function withRetry<T>(
  what: string,
  attempt: () => Promise<T>,
  say: (line: string) => void,
  signal: AbortSignal,
  budgetMs = UPDATE_FETCH_RETRY_MS,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  const backoff = new Backoff(500, 10_000);
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof UpdateRefused || signal.aborted || Date.now() >= deadline) throw err;
      const delay = Math.min(backoff.next(), Math.max(0, deadline - Date.now()));
      say(`${what} failed (${(err as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s`);
      await Bun.sleep(delay);
    }
  }
}
