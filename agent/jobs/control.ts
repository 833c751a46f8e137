// Agent-side control of jobs it already has: forwarding a cancel to the runner, and
// settling `restart` jobs once the new agent process is up.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { consola } from "consola";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { JobResult } from "../../protocol/index.ts";
import { isLocked, readHolderPid } from "../lock.ts";
import type { StatePaths } from "../paths.ts";
import { jobFiles, undeliveredJobIds } from "./spool.ts";

/** Asks the job's runner to stop (SIGTERM; it kills its child's group and reports cancelled). */
export function requestCancel(paths: StatePaths, jobId: string): void {
  const files = jobFiles(paths.job(jobId));
  if (!existsSync(files.dir)) {
    // Cancelled in transit, before this host ever received it.
    mkdirSync(files.dir, { recursive: true });
    _writeResult(files.result, { state: "cancelled", exitCode: null, reason: "cancelled before it started" });
    return;
  }
  if (existsSync(files.result)) return;
  const pid = readHolderPid(files.runnerLock);
  // Only signal a pid that still holds the job's runner lock: never a reused pid.
  if (pid && isLocked(files.runnerLock)) {
    consola.info(`job ${jobId}: cancelling (runner pid ${pid})`);
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // exited meanwhile; its result will say how it ended
    }
  }
}

/**
 * A restart job is done when a new agent process is running: this one. Success is what
 * the new process reports, so the exiting agent only leaves a note and this settles it.
 */
export function settleRestarts(paths: StatePaths): void {
  for (const id of undeliveredJobIds(paths.jobs)) {
    const files = jobFiles(paths.job(id));
    if (!existsSync(files.restart) || existsSync(files.result)) continue;
    let oldPid: number | string = "?";
    try {
      oldPid = JSON.parse(readFileSync(files.restart, "utf8")).pid;
    } catch {
      // the note is only for the message
    }
    _writeResult(files.result, {
      state: "succeeded",
      exitCode: 0,
      reason: `agent restarted (pid ${oldPid} → ${process.pid})`,
    });
  }
}

function _writeResult(path: string, result: JobResult): void {
  writeFileAtomic(path, JSON.stringify(result));
}
