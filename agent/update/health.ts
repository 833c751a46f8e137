// The agent's health note: after every successful hello the agent records who it is in
// health.json. The update watcher (running from the previous binary) reads it to decide
// whether the new binary came up and stayed up, without trusting the new binary's code.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { jsonChecker } from "../../lib/json-schema-check.ts";
import type { HealthNote as HealthNoteSchema } from "../file-schemas.ts";
import { statePaths } from "../paths.ts";
import { jsonSchema } from "../schema-macro.ts" with { type: "macro" };

export type HealthNote = z.output<typeof HealthNoteSchema>;
const HEALTH_NOTE = jsonChecker(() => jsonSchema("HealthNote"));

export function writeHealth(stateDir: string, note: HealthNote): void {
  writeFileAtomic(statePaths(stateDir).health, JSON.stringify(note));
}

export function readHealth(stateDir: string): HealthNote | null {
  try {
    const parsed = HEALTH_NOTE.safeParse(JSON.parse(readFileSync(statePaths(stateDir).health, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A request to the agent with pid `pid` to exit so its service manager restarts it. */
export function requestAgentRestart(stateDir: string, pid: number, reason: string): void {
  writeFileAtomic(statePaths(stateDir).restartRequest, JSON.stringify({ pid, reason }));
}

/** The reason, if a restart of this very process was requested. */
export function pendingRestartFor(stateDir: string, pid: number): string | null {
  try {
    const req = JSON.parse(readFileSync(statePaths(stateDir).restartRequest, "utf8")) as {
      pid: number;
      reason: string;
    };
    return req.pid === pid ? req.reason : null;
  } catch {
    return null;
  }
}
