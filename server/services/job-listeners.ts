// Who hears about a job besides the job code itself: the op-specific services (agent updates'
// own timers and alerts) and the rollout worker. They are wired once in app.ts, so the generic job
// code (job-lifecycle.ts, job-reports.ts) calls them without importing any of them, and nothing a
// rollout imports leads back to it.
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/records/job.ts";

export interface JobListeners {
  /** After a job's ending is durable and audited, in order; each awaited before the next. */
  readonly ended: readonly ((ctx: ServerContext, job: Readonly<JobRecord>) => Promise<void> | void)[];
  /** When its agent reported on a running job (started, output, progress). */
  readonly reported: readonly ((ctx: ServerContext, job: Readonly<JobRecord>) => void)[];
}

export async function notifyJobEnded(ctx: ServerContext, job: Readonly<JobRecord>): Promise<void> {
  for (const listener of ctx.jobListeners.ended) await listener(ctx, job);
}

export function notifyJobReported(ctx: ServerContext, job: Readonly<JobRecord>): void {
  for (const listener of ctx.jobListeners.reported) listener(ctx, job);
}
