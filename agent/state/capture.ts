// Runs a short read-only child (git, a stateCommand) and keeps its output, under the same
// timeout and process-group kill as a job's steps (agent/jobs/child.ts): a hung git or a
// stateCommand that never exits must not stall the state report.
import { runChild } from "../jobs/child.ts";

export interface CaptureLimits {
  timeoutMs: number;
  killGraceMs: number;
}

export type Captured = { ok: true; stdout: string } | { ok: false; reason: string };

/** A captured child's output is small by nature; more than this many lines is cut. */
const MAX_LINES = 1_000;

export interface CaptureOptions {
  cwd?: string;
  env?: Record<string, string>;
}

export async function capture(
  argv: string[],
  limits: CaptureLimits,
  options: CaptureOptions = {},
): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const result = await runChild(argv, {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: limits.timeoutMs,
    killGraceMs: limits.killGraceMs,
    onLine: (stream, line) => {
      const lines = stream === "stdout" ? out : err;
      if (lines.length < MAX_LINES) lines.push(line);
    },
  });
  const what = argv[0] ?? "command";
  if (result.spawnError) return { ok: false, reason: `could not start ${what}: ${result.spawnError}` };
  if (result.timedOut) return { ok: false, reason: `${what} timed out after ${limits.timeoutMs / 1000} s` };
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    const tail = err.at(-1);
    return { ok: false, reason: `${what} ${how}${tail ? `: ${tail}` : ""}` };
  }
  return { ok: true, stdout: out.join("\n") };
}
