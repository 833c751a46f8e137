// What every operation gets: the agent's config, a place to report output and progress,
// and a way to run a child under the op's timeout. Ops return the job's result.
import type { ArgsOf, JobResult, Operation as OpName, Progress } from "../../../protocol/index.ts";
import type { AgentConfig } from "../../config.ts";
import { type ChildResult, runChild } from "../child.ts";

export interface OpContext<Op extends OpName = OpName> {
  config: AgentConfig;
  stateDir: string;
  jobId: string;
  /** This op's own args, as its schema in protocol/job-ops.ts types them. */
  args: ArgsOf<Op>;
  signal: AbortSignal;
  line(stream: "stdout" | "stderr" | "agent", data: string): void;
  progress(progress: Progress): void;
}

export type Operation<Op extends OpName = OpName> = (ctx: OpContext<Op>) => Promise<JobResult>;

/** Runs one step of an op, echoing its command line and streaming its output. */
export function runStep(
  ctx: OpContext,
  argv: string[],
  timeoutSeconds: number,
  cwd?: string,
): Promise<ChildResult> {
  ctx.line("agent", `$ ${argv.join(" ")}`);
  return runChild(argv, {
    cwd,
    timeoutMs: timeoutSeconds * 1000,
    killGraceMs: ctx.config.timeouts.killGraceSeconds * 1000,
    onLine: (stream, data) => ctx.line(stream, data),
    signal: ctx.signal,
  });
}

/** The job result for a step that did not succeed, or null when it did. */
export function stepFailure(argv: string[], result: ChildResult, timeoutSeconds: number): JobResult | null {
  const what = argv[0] ?? "command";
  if (result.aborted)
    return { state: "cancelled", exitCode: result.exitCode, reason: `cancelled while running ${what}` };
  if (result.timedOut) {
    return {
      state: "timed_out",
      exitCode: result.exitCode,
      reason: `${what} timed out after ${timeoutSeconds} s`,
    };
  }
  if (result.spawnError)
    return { state: "failed", exitCode: null, reason: `could not start ${what}: ${result.spawnError}` };
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    return { state: "failed", exitCode: result.exitCode, reason: `${what} ${how}` };
  }
  return null;
}

/**
 * `ctx` with a signal that never fires: for the steps of a deploy that protect the host (its
 * switch, confirmation and rollback), which an operator's cancel must not cut off half way.
 */
export function uncancellable<Op extends OpName>(ctx: OpContext<Op>): OpContext<Op> {
  return { ...ctx, signal: new AbortController().signal };
}

/** A result's reason within the contract's 2000 characters. */
export function reasonText(text: string): string {
  return text.length <= 2000 ? text : `${text.slice(0, 1997)}...`;
}
