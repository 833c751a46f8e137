// Agent-side control of jobs it already has: forwarding a cancel to the runner.
import { existsSync, mkdirSync } from "node:fs";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { JobResult } from "../../protocol/index.ts";
import { isLocked, readHolderPid } from "../lock.ts";
import { log } from "../log.ts";
import type { StatePaths } from "../paths.ts";
import { jobFiles } from "./spool.ts";

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
    log.info(`job ${jobId}: cancelling (runner pid ${pid})`);
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // exited meanwhile; its result will say how it ended
    }
  }
}

function _writeResult(path: string, result: JobResult): void {
  writeFileAtomic(path, JSON.stringify(result));
}
