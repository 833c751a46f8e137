// Choosing what a polling agent gets: a pending cancel first, then — only when the host has
// nothing in flight — its oldest queued job, marked dispatched on disk before it is handed out.
import { type Command, runCommandFor } from "../../protocol/agent.ts";
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/records/job.ts";
import { isInFlight } from "./job-in-flight.ts";

/**
 * `gone()` says whether the poll can no longer deliver (client dropped, newer poll, shutdown).
 * A job written as dispatched for a poll that is gone by the time the write lands goes back to
 * the queue, so it is not stranded on a connection nobody reads.
 */
export async function nextCommand(
  ctx: ServerContext,
  hostId: string,
  gone: () => boolean,
): Promise<Command | null> {
  if (gone()) return null;
  const active = ctx.store.activeJobs(hostId);
  const inFlight = active.filter(isInFlight);

  const cancel = inFlight.find((job) => job.cancelRequested && !ctx.deliveredCancels.has(job.id));
  if (cancel) {
    ctx.deliveredCancels.add(cancel.id);
    return { type: "cancel", jobId: cancel.id };
  }
  if (inFlight.length > 0) return null;

  const now = Date.now();
  const queued = active.find((job) => job.state === "queued" && Date.parse(job.expiresAt) > now);
  if (!queued) return null;

  const dispatched: JobRecord = { ...queued, state: "dispatched", dispatchedAt: new Date(now).toISOString() };
  await ctx.store.putJob(dispatched);
  if (gone()) {
    await requeueIfStillDispatched(ctx, dispatched);
    ctx.coordinator.wake(hostId);
    return null;
  }
  ctx.metrics.jobHandedOut(dispatched);
  return runCommandFor(dispatched.id, dispatched);
}

async function requeueIfStillDispatched(ctx: ServerContext, job: JobRecord): Promise<void> {
  const current = ctx.store.getJob(job.id);
  if (current?.state !== "dispatched" || current.dispatchedAt !== job.dispatchedAt) return;
  const { dispatchedAt: _, ...rest } = current;
  await ctx.store.putJob({ ...rest, state: "queued" });
}
