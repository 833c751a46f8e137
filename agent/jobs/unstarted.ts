// Results for jobs the agent could not even write to its state dir (disk full, read-only): with
// no spool to hold them they are kept in memory and sent straight to fleetd, retried with
// backoff until it has them. Lost if the agent exits first, which is safe: the next agent's hello
// does not list the job, so fleetd queues it again and it fails again with its reason.
import { ApiError } from "../../protocol/errors.ts";
import type { JobResult } from "../../protocol/index.ts";
import { Backoff, type BackoffLimits } from "../backoff.ts";
import type { AgentClient } from "../client.ts";
import { log } from "../log.ts";

export class UnstartedJobs {
  private readonly pending = new Map<string, JobResult>();

  constructor(
    private readonly client: AgentClient,
    /** config.json's backoff, as for every other request the agent makes. */
    private readonly limits?: BackoffLimits,
  ) {}

  /** Sends `result` for `jobId` now, and again with backoff until fleetd takes it. */
  report(jobId: string, result: JobResult): void {
    if (this.pending.has(jobId)) return;
    this.pending.set(jobId, result);
    void this._send(jobId, this.limits ? Backoff.of(this.limits) : new Backoff());
  }

  private async _send(jobId: string, backoff: Backoff): Promise<void> {
    const result = this.pending.get(jobId);
    if (!result) return;
    try {
      await this.client.result(jobId, result);
      log.info(`job ${jobId}: reported ${result.state} to fleetd`);
      this.pending.delete(jobId);
    } catch (err) {
      // fleetd refused it for good (no such job): nothing would ever accept it.
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.pending.delete(jobId);
        return;
      }
      setTimeout(() => void this._send(jobId, backoff), backoff.next()).unref?.();
    }
  }
}
