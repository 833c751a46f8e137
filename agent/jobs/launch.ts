// Starts a job's runner so that it outlives the agent: a new session and process group
// (setsid via `detached`), stdio detached from the agent's, and not waited for.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { RunCommand } from "../../protocol/index.ts";
import { selfCommand } from "../identity.ts";
import type { StatePaths } from "../paths.ts";
import { jobFiles } from "./spool.ts";

/** Writes the job's spool dir and starts its runner. Returns false if the job was already known. */
export function launchRunner(paths: StatePaths, command: RunCommand): boolean {
  const files = jobFiles(paths.job(command.jobId));
  try {
    mkdirSync(files.dir, { recursive: false });
  } catch {
    return false; // seen before: a re-dispatch of a job this host already has
  }
  writeFileAtomic(files.job, JSON.stringify(command));
  startRunnerProcess(paths, command.jobId);
  return true;
}

export function startRunnerProcess(paths: StatePaths, jobId: string): void {
  const [exe, ...pre] = selfCommand();
  // The runner's own stderr goes to a file in its spool dir for post-mortems.
  const log = openSync(join(paths.job(jobId), "runner.log"), "a", 0o600);
  const child = spawn(exe!, [...pre, "runner", "--state-dir", paths.root, "--job", jobId], {
    detached: true,
    stdio: ["ignore", log, log],
    windowsHide: true,
  });
  closeSync(log);
  child.unref();
}
