// Keeping the page current without reloads: one request at a time, ever. Each round (app.ts,
// through api.ts) fetches the board and the open host's detail with If-None-Match, so an
// unchanged fleet costs a 304; the hosts' vitals, which change all the time in a big fleet,
// only every VITALS_INTERVAL_MS. When fleetd cannot be reached the pause grows (2, 4, 8 ... 30 s, with jitter) instead of
// hammering it; a hidden tab polls slowly; poke() starts a round at once after an action.

export const POLL_INTERVAL_MS = 2000;
/** fleetd rebuilds the vitals at most every boardVitalsCacheMs (15 s); asking more often gains nothing. */
export const VITALS_INTERVAL_MS = 15_000;
export const MAX_BACKOFF_MS = 30_000;
export const HIDDEN_INTERVAL_MS = 30_000;

export interface PollerHooks {
  /** One round: fetch whatever the page shows. Throws when fleetd did not answer properly. */
  round(): Promise<void>;
  onSuccess(): void;
  onFailure(err: unknown, retryInMs: number): void;
}

export class Poller {
  private failures = 0;
  private wake: (() => void) | null = null;
  private again = false;

  constructor(private readonly hooks: PollerHooks) {}

  start(): void {
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.poke();
    });
    void this.loop();
  }

  /** Polls now, or right after the round in flight: never two requests at once. */
  poke(): void {
    if (this.wake) this.wake();
    else this.again = true;
  }

  private async loop(): Promise<void> {
    for (;;) {
      this.again = false;
      let delay: number;
      try {
        await this.hooks.round();
        this.failures = 0;
        this.hooks.onSuccess();
        delay = document.hidden ? HIDDEN_INTERVAL_MS : POLL_INTERVAL_MS;
      } catch (err) {
        this.failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, POLL_INTERVAL_MS * 2 ** (this.failures - 1));
        delay = backoff / 2 + Math.random() * (backoff / 2);
        this.hooks.onFailure(err, delay);
      }
      if (!this.again) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    }).finally(() => {
      this.wake = null;
    });
  }
}
