// Choosing what a polling agent gets: a pending cancel first, then — only when the host has
// nothing in flight — its oldest queued job, claimed (marked dispatched on disk, repository/)
// before it is handed out.
import { type Command, runCommandFor } from "../../protocol/agent.ts";
import type { ServerContext } from "../context.ts";
import { isClaimable, isInFlight } from "./job-in-flight.ts";

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
  // Most polls find nothing queued: they answer without an intent (which decides again).
  const now = new Date();
  if (!active.some((job) => isClaimable(job, now.getTime()))) return null;

  const claim = await ctx.repo.claimNextJob(hostId, now);
  if (claim.kind !== "claimed") return null;
  const dispatched = claim.job;
  if (gone()) {
    await ctx.repo.requeueDispatched(dispatched);
    ctx.coordinator.wake(hostId);
    return null;
  }
  ctx.metrics.jobHandedOut(dispatched);
  return runCommandFor(dispatched.id, dispatched);
}
