// Sends a vitals sample every vitalsIntervalSeconds (0: never). A failed send is not repeated: the
// next try, after this path's own backoff (at most an interval), reads a fresh sample, so what
// fleetd gets is always what the host looks like then, and a fleetd that is away costs one
// request per backoff step. A sample fleetd refuses for good waits for the next interval.
import { ApiError } from "../../protocol/errors.ts";
import type { HostVitals } from "../../protocol/vitals.ts";
import { Backoff, type BackoffLimits } from "../backoff.ts";
import type { AgentClient } from "../client.ts";
import { log } from "../log.ts";
import { retryDelay } from "../retry-delay.ts";
import { VitalsReader } from "./read.ts";

/** The loop wakes at least this often (a huge interval must not overflow a timer). */
const MAX_SLEEP_MS = 3600 * 1000;

export interface VitalsSource {
  read(): HostVitals;
}

export class VitalsReporter {
  private dueAt: number;
  private readonly backoff: Backoff;
  /** fleetd refused the last sample for good: said once, not again until one is taken. */
  private refused = false;

  constructor(
    private readonly intervalSeconds: number,
    private readonly client: Pick<AgentClient, "vitals">,
    limits: BackoffLimits,
    private readonly source: VitalsSource,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = Backoff.of(limits);
    // The first sample goes one interval after start: its CPU use is over that interval.
    this.dueAt = now() + this.intervalMs;
  }

  static forStateDir(
    intervalSeconds: number,
    client: Pick<AgentClient, "vitals">,
    limits: BackoffLimits,
    stateDir: string,
  ) {
    return new VitalsReporter(intervalSeconds, client, limits, new VitalsReader(stateDir));
  }

  get enabled(): boolean {
    return this.intervalSeconds > 0;
  }

  private get intervalMs(): number {
    return this.intervalSeconds * 1000;
  }

  sleepMs(): number {
    return Math.min(MAX_SLEEP_MS, Math.max(0, this.dueAt - this.now()));
  }

  async tick(): Promise<void> {
    if (!this.enabled || this.sleepMs() > 0) return;
    this.dueAt = this.now() + this.intervalMs;
    try {
      await this.client.vitals(this.source.read());
      this.backoff.reset();
      this.refused = false;
    } catch (err) {
      // A fleetd without the route (404), or one that refuses the sample (a clock far ahead of
      // fleetd's: 400), would answer a retry alike: the next sample goes at the next interval.
      if (err instanceof ApiError && [400, 404, 413, 422].includes(err.status)) {
        if (!this.refused)
          log.warn(`fleetd refused this host's vitals (${err.message}); trying again every interval`);
        this.refused = true;
        return;
      }
      // Retried after the backoff when that is shorter than the interval, else at the next interval.
      const retryAt = this.now() + retryDelay("vitals report", err, this.backoff);
      this.dueAt = Math.min(this.dueAt, Math.max(retryAt, this.now()));
    }
  }
}
