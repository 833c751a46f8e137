// What agents report about a job: output and progress while it runs, then its result. Every
// report may be a retry: output below nextSeq is ignored, and a result for an ended job changes
// nothing. Output is appended at the job's nextSeq in one intent (the repository's appendOutput).
import type { JobEvents, JobResult } from "../../protocol/agent.ts";
import { isTerminal, type OutputLine } from "../../protocol/jobs.ts";
import type { ServerContext } from "../context.ts";
import { notFound } from "../errors.ts";
import type { JobRecord } from "../store/records/job.ts";
import { finishJob } from "./job-lifecycle.ts";
import { notifyJobReported } from "./job-listeners.ts";
import { outcomeOfResult } from "./job-outcome.ts";

/** A host sees only its own jobs; another host's job id is answered as unknown, not as forbidden. */
export function requireOwnJob(ctx: ServerContext, hostId: string, jobId: string): Readonly<JobRecord> {
  const job = ctx.store.getJob(jobId);
  if (!job || job.hostId !== hostId) throw notFound(`no job with id "${jobId}" for this host`);
  return job;
}

export async function recordJobEvents(
  ctx: ServerContext,
  hostId: string,
  jobId: string,
  events: JobEvents,
): Promise<{ nextSeq: number }> {
  for (;;) {
    const job = requireOwnJob(ctx, hostId, jobId);
    if (isTerminal(job.state)) return { nextSeq: job.nextSeq };
    const kept = keepNewOutput(job, events.output, ctx.config.maxOutputBytesPerJob);
    const outcome = await ctx.repo.appendOutput(jobId, {
      expectedSeq: job.nextSeq,
      lines: kept.lines,
      nextSeq: kept.nextSeq,
      outputBytes: kept.bytes,
      outputTruncated: kept.truncated,
      ...(events.progress ? { progress: events.progress } : {}),
      started: events.started === true,
      at: new Date(),
    });
    // Another report moved the job on first: choose the lines again against where it is now.
    if (outcome.kind === "seq_moved") continue;
    if (outcome.kind === "unknown") throw notFound(`no job with id "${jobId}" for this host`);
    if (outcome.kind === "appended") notifyJobReported(ctx, outcome.before);
    return { nextSeq: outcome.job.nextSeq };
  }
}

interface KeptOutput {
  lines: OutputLine[];
  nextSeq: number;
  bytes: number;
  truncated: boolean;
}

/**
 * Room beyond the output cap for the agent's own lines (its "[output truncated …]" note, the
 * "result: …" line) and fleetd's note, so a long job's stored output still ends saying how it
 * ended. Bounded, so even an agent sending nothing but agent lines cannot grow it further.
 */
export const AGENT_NOTE_RESERVE_BYTES = 16 * 1024;

export const fleetdTruncationNote = (maxBytes: number) =>
  `[output truncated by fleetd at ${maxBytes} bytes; later lines dropped]`;

/**
 * Lines in seq order from nextSeq on, each once, within the job's output cap. The first line
 * dropped is replaced by fleetd's note (same seq), so readers see where the cut is, not just a flag.
 */
function keepNewOutput(job: JobRecord, output: readonly OutputLine[], maxBytes: number): KeptOutput {
  const fresh = output.filter((line) => line.seq >= job.nextSeq).sort((a, b) => a.seq - b.seq);
  const kept: KeptOutput = {
    lines: [],
    nextSeq: job.nextSeq,
    bytes: job.outputBytes,
    truncated: job.outputTruncated,
  };
  for (const line of fresh) {
    if (line.seq < kept.nextSeq) continue; // a duplicate within this batch
    kept.nextSeq = line.seq + 1;
    const fits = (l: OutputLine, limit: number) => kept.bytes + _size(l) <= limit;
    let keep: OutputLine | null = null;
    if (!kept.truncated && fits(line, maxBytes)) keep = line;
    else if (line.stream === "agent" && fits(line, maxBytes + AGENT_NOTE_RESERVE_BYTES)) keep = line;
    else if (!kept.truncated) keep = { ...line, stream: "agent", data: fleetdTruncationNote(maxBytes) };
    if (keep !== line) kept.truncated = true;
    if (!keep) continue;
    kept.lines.push(keep);
    kept.bytes += _size(keep);
  }
  return kept;
}

const _size = (line: OutputLine) => Buffer.byteLength(JSON.stringify(line)) + 1;

export async function recordJobResult(
  ctx: ServerContext,
  hostId: string,
  jobId: string,
  result: JobResult,
): Promise<void> {
  // Checked before anything is written: an outcome of another op is refused whole.
  const outcome = outcomeOfResult(requireOwnJob(ctx, hostId, jobId).op, result);
  // The agent forgets a result it was told is recorded: an ending another path (cancel, the
  // sweeper) has only in memory so far may yet be refused by the disk, so wait for it.
  if (isTerminal(requireOwnJob(ctx, hostId, jobId).state)) await ctx.store.jobSettled(jobId);
  const job = requireOwnJob(ctx, hostId, jobId);
  if (isTerminal(job.state)) return; // a retried result: recorded once already
  if (result.outputLines !== undefined && result.outputLines > job.nextSeq) {
    ctx.log.warn(
      `job ${jobId}: agent produced ${result.outputLines} output lines, fleetd has ${job.nextSeq}`,
    );
  }
  await finishJob(
    ctx,
    job,
    {
      state: result.state,
      exitCode: result.exitCode,
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(result.tests !== undefined ? { tests: result.tests } : {}),
    },
    `host:${hostId}`,
    "job.finished",
  );
}
