// A job in flight: handed to its host (dispatched) or started there (running), and not ended.
// Dispatch waits until a host has none, the board and `fleetctl hosts` show it as the host's
// current job, and deleting a host marks it lost rather than cancelled, since only the host could
// have reported it. Queued jobs are the other kind of not-yet-ended job: still fleetd's alone.
import type { Job } from "../../protocol/jobs.ts";

export const isInFlight = (job: Readonly<Job>): boolean =>
  job.state === "dispatched" || job.state === "running";

/** A queued job not yet expired at `nowMs`: what a host's next claim may take, oldest first. */
export const isClaimable = (job: Readonly<Job>, nowMs: number): boolean =>
  job.state === "queued" && Date.parse(job.expiresAt) > nowMs;
