// A job's spool directory: the contract between the detached runner that writes it and
// whichever agent process is alive to deliver it. Everything a job produces lands here
// durably before anyone tries to send it, so an agent dying loses nothing.
//
//   jobs/<id>/job.json        the command as received (written by the agent)
//   jobs/<id>/runner.lock     flock held by the runner for its whole life
//   jobs/<id>/events.jsonl    start, output lines (with seq) and progress, appended
//   jobs/<id>/deploy.json     a deploy only: the generation it started from, written before the
//                             switch (agent/jobs/deploy-record.ts); what its rollback goes back to
//   jobs/<id>/result.json     the final result (written atomically, last)
//   jobs/<id>/delivered       the server acknowledged the result; nothing left to do
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { type Checker, jsonChecker } from "../../lib/json-schema-check.ts";
import type { JobResult, RunCommand } from "../../protocol/agent.ts";
import type { SpoolEvent as SpoolEventSchema } from "../file-schemas.ts";
import { jsonSchema } from "../schema-macro.ts" with { type: "macro" };

export type SpoolEvent = z.output<typeof SpoolEventSchema>;
const SPOOL_EVENT = jsonChecker(() => jsonSchema("SpoolEvent"));
const RUN_COMMAND = jsonChecker(() => jsonSchema("RunCommand"));
const JOB_RESULT = jsonChecker(() => jsonSchema("JobResult"));

export function jobFiles(dir: string) {
  return {
    dir,
    job: join(dir, "job.json"),
    runnerLock: join(dir, "runner.lock"),
    events: join(dir, "events.jsonl"),
    deploy: join(dir, "deploy.json"),
    result: join(dir, "result.json"),
    delivered: join(dir, "delivered"),
  };
}
export type JobFiles = ReturnType<typeof jobFiles>;

export function readJobCommand(files: JobFiles): RunCommand | null {
  return _readParsed(files.job, RUN_COMMAND);
}

export function readJobResult(files: JobFiles): JobResult | null {
  return _readParsed(files.result, JOB_RESULT);
}

/**
 * Ids of jobs whose result has not been acknowledged by the server yet. A dir with neither the
 * command nor a result (a crash or full disk between mkdir and job.json) holds no job: listed, it
 * would keep the job `dispatched` on fleetd for ever, with nothing here to run or end it.
 */
export function undeliveredJobIds(jobsDir: string): string[] {
  if (!existsSync(jobsDir)) return [];
  return readdirSync(jobsDir)
    .filter((id) => {
      if (id.startsWith(".")) return false;
      const files = jobFiles(join(jobsDir, id));
      return !existsSync(files.delivered) && (existsSync(files.job) || existsSync(files.result));
    })
    .sort();
}

/** A spool dir left without its command or result: it holds no job (see undeliveredJobIds). */
export function isEmptySpool(files: JobFiles): boolean {
  return !existsSync(files.job) && !existsSync(files.result);
}

/**
 * Reads complete event lines from `offset` on. A line still being written (no newline
 * yet) is left for the next read; a torn line from a crash is skipped.
 */
export function readEventsFrom(path: string, offset: number): { events: SpoolEvent[]; offset: number } {
  if (!existsSync(path)) return { events: [], offset };
  const buf = readFileSync(path);
  if (buf.length <= offset) return { events: [], offset };
  const end = buf.lastIndexOf(0x0a);
  if (end < offset) return { events: [], offset };
  const events: SpoolEvent[] = [];
  for (const line of buf.subarray(offset, end).toString("utf8").split("\n")) {
    if (!line) continue;
    try {
      const parsed = SPOOL_EVENT.safeParse(JSON.parse(line));
      if (parsed.success) events.push(parsed.data);
    } catch {
      // torn line
    }
  }
  return { events, offset: end + 1 };
}

function _readParsed<T>(path: string, schema: Checker<T>): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
