// The agent's health note: after every successful hello the agent records who it is in
// health.json. The update watcher (running from the previous binary) reads it to decide
// whether the new binary came up and stayed up, without trusting the new binary's code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";

export const HealthNote = z.object({
  pid: z.number().int(),
  version: z.string(),
  sha256: z.string(),
  /** ms since epoch of the hello. */
  at: z.number(),
});
export type HealthNote = z.infer<typeof HealthNote>;

export const healthPath = (stateDir: string) => join(stateDir, "health.json");

export function writeHealth(stateDir: string, note: HealthNote): void {
  writeFileAtomic(healthPath(stateDir), JSON.stringify(note));
}

export function readHealth(stateDir: string): HealthNote | null {
  try {
    const parsed = HealthNote.safeParse(JSON.parse(readFileSync(healthPath(stateDir), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A request to the agent with pid `pid` to exit so its service manager restarts it. */
export const restartRequestPath = (stateDir: string) => join(stateDir, "restart-request.json");

export function requestAgentRestart(stateDir: string, pid: number, reason: string): void {
  writeFileAtomic(restartRequestPath(stateDir), JSON.stringify({ pid, reason }));
}

/** The reason, if a restart of this very process was requested. */
export function pendingRestartFor(stateDir: string, pid: number): string | null {
  try {
    const req = JSON.parse(readFileSync(restartRequestPath(stateDir), "utf8")) as {
      pid: number;
      reason: string;
    };
    return req.pid === pid ? req.reason : null;
  } catch {
    return null;
  }
}
