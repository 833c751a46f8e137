// Following jobs until they end: `job --follow` streams one job's output, `run --wait`
// watches many. Both poll GET /api/v1/jobs/:id?after=<seq> so each output line travels once.
import { isTerminal, type Job, type JobDetail, type JobState, type OutputLine } from "../protocol/index.ts";
import type { ApiClient } from "./api.ts";
import { logger } from "./output.ts";

/** Pause between polls of a running job; FLEET_FOLLOW_POLL_MS overrides. */
export const DEFAULT_FOLLOW_POLL_MS = 1_000;
/** Jobs polled at once by `run --wait`, so a fleet-wide run does not flood fleetd. */
export const MAX_PARALLEL_POLLS = 8;

export const followPollMs = (): number => Number(process.env.FLEET_FOLLOW_POLL_MS) || DEFAULT_FOLLOW_POLL_MS;

/** succeeded → 0, timed_out → 124 (like timeout(1)), every other end → 1. */
export function exitCodeForJobState(state: JobState): number {
  if (state === "succeeded") return 0;
  if (state === "timed_out") return 124;
  return 1;
}

/** Highest sequence number seen so far, for `?after=`. */
const _lastSeq = (lines: readonly OutputLine[], previous: number | undefined) =>
  lines.reduce<number | undefined>(
    (max, line) => (max === undefined || line.seq > max ? line.seq : max),
    previous,
  );

export async function fetchJob(client: ApiClient, jobId: string, after?: number): Promise<JobDetail> {
  return client.call("getJob", {
    params: { id: jobId },
    query: { after: after === undefined ? undefined : after },
  });
}

/** Polls one job until it is terminal, handing each new output line over exactly once. */
export async function followJob(
  client: ApiClient,
  jobId: string,
  opts: { onOutput?: (lines: OutputLine[]) => void; onUpdate?: (job: Job) => void; pollMs?: number } = {},
): Promise<Job> {
  let after: number | undefined;
  for (;;) {
    const detail = await fetchJob(client, jobId, after);
    // Guard against a server that ignores ?after: never print a line twice.
    const fresh = detail.output.filter((line) => after === undefined || line.seq > after);
    if (fresh.length) opts.onOutput?.(fresh);
    after = _lastSeq(fresh, after);
    opts.onUpdate?.(detail.job);
    if (isTerminal(detail.job.state)) return detail.job;
    await Bun.sleep(opts.pollMs ?? followPollMs());
  }
}

/** Polls many jobs until all are terminal; `onUpdate` gets the latest of each after every round. */
export async function waitForJobs(
  client: ApiClient,
  initial: readonly Job[],
  opts: { onUpdate?: (jobs: Job[]) => void; pollMs?: number } = {},
): Promise<Job[]> {
  const latest = [...initial];
  const afters = new Map<string, number | undefined>();
  opts.onUpdate?.([...latest]);
  while (latest.some((job) => !isTerminal(job.state))) {
    await Bun.sleep(opts.pollMs ?? followPollMs());
    const pending = latest.map((job, index) => ({ job, index })).filter(({ job }) => !isTerminal(job.state));
    for (let i = 0; i < pending.length; i += MAX_PARALLEL_POLLS) {
      await Promise.all(
        pending.slice(i, i + MAX_PARALLEL_POLLS).map(async ({ job, index }) => {
          const detail = await fetchJob(client, job.id, afters.get(job.id));
          afters.set(job.id, _lastSeq(detail.output, afters.get(job.id)));
          latest[index] = detail.job;
        }),
      );
    }
    opts.onUpdate?.([...latest]);
  }
  return latest;
}

/** Ctrl-C while following only stops watching: say so, and how to stop the job itself. Exit 130 like a shell. */
export function explainInterrupt(jobIds: readonly string[]): void {
  process.once("SIGINT", () => {
    const ids = jobIds.join(" ");
    logger.warn(`stopped watching; the job(s) keep running on the host. Cancel with: fleetctl cancel ${ids}`);
    process.exit(130);
  });
}
