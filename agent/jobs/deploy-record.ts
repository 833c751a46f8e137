// A deploy's own note in its spool dir (jobs/<id>/deploy.json): what the system ran before the
// switch, written durably before the switch starts. The rollback goes back to the generation
// read from this file, never to "whatever was before the current one", and an operator looking
// at a host after a crash mid-deploy finds what it started from.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { Timestamp } from "../../protocol/common.ts";
import { CommitSha, Generation } from "../../protocol/config-state.ts";
import type { JobFiles } from "./spool.ts";

export const DeployRecord = z.object({
  version: z.literal(1),
  commit: CommitSha,
  /** The active generation before the switch; null where the platform has none to read. */
  generationBefore: Generation.nullable(),
  /** The agent process that held the lock before the switch: not a fresh one. */
  agentPid: z.number().int().positive().nullable(),
  at: Timestamp,
});
export type DeployRecord = z.infer<typeof DeployRecord>;

export function writeDeployRecord(
  files: JobFiles,
  record: Omit<DeployRecord, "version" | "at">,
): DeployRecord {
  const full = DeployRecord.parse({ version: 1, ...record, at: new Date().toISOString() });
  writeFileAtomic(files.deploy, `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** null when absent or unreadable (a deploy that never got to its switch). */
export function readDeployRecord(files: JobFiles): DeployRecord | null {
  try {
    const parsed = DeployRecord.safeParse(JSON.parse(readFileSync(files.deploy, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
