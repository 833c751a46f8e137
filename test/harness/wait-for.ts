// Polling for a condition with a deadline, so tests never sleep a fixed time and a
// failure says what was awaited and what was last seen.

export interface WaitForOptions {
  /** Give up after this long; default 10 s. */
  timeoutMs?: number;
  /** Pause between attempts; default 100 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message: "host web1 online". */
  what?: string;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
export const DEFAULT_WAIT_INTERVAL_MS = 100;

/**
 * Calls `check` until it returns a truthy value and returns that value. A throw counts as
 * "not yet" (the server may still be starting); the last throw or value is in the timeout error.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<NonNullable<Exclude<T, false | 0 | "">>> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const intervalMs = opts.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const deadline = performance.now() + timeoutMs;
  let last: { value?: unknown; error?: unknown } = {};
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<Exclude<T, false | 0 | "">>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (performance.now() >= deadline) break;
    await Bun.sleep(Math.min(intervalMs, Math.max(0, deadline - performance.now())));
  }
  const seen =
    "error" in last && last.error !== undefined
      ? `last attempt threw: ${last.error instanceof Error ? last.error.message : String(last.error)}`
      : `last value: ${_preview(last.value)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? "condition"} (${seen})`);
}

function _preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
