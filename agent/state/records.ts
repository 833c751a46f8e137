// What the runner saw its switches and tests do, kept in the state dir because nothing else
// remembers it: the profile knows a generation's store path, not the commit it was built from.
//
//   switch-record.json  { version: 1, lastSwitch, failedAfter, builtFrom[] }
//   test-record.json    { version: 1, passed, at }
//
// Each is replaced atomically (a reader sees the old file or the new one); a torn, garbage or
// other-version file reads as absent, so a bad record costs a "not known", never a wrong state.
// Switches and tests write different files: a test never rewrites what a switch recorded.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { CommitSha, SwitchRecord, TestRecord } from "../../protocol/config-state.ts";
import { Timestamp } from "../../protocol/index.ts";
import { statePaths } from "../paths.ts";

const VERSION = 1;
/** Generations whose commit is remembered: more than the 20 HostState lists, for rollbacks. */
const MAX_BUILT_FROM = 50;

const BuiltFrom = z.object({
  generation: z.number().int().nonnegative(),
  commit: CommitSha.nullable(),
  at: Timestamp,
});

const SwitchFile = z.object({
  version: z.literal(VERSION),
  /** The last successful switch. */
  lastSwitch: SwitchRecord.nullable(),
  /** The newest switch that failed after lastSwitch; cleared by the next successful one. */
  failedAfter: SwitchRecord.nullable(),
  /** Newest first: the commit each successful switch's generation was built from. */
  builtFrom: z.array(BuiltFrom).max(MAX_BUILT_FROM),
});
type SwitchFile = z.infer<typeof SwitchFile>;

const TestFile = TestRecord.extend({ version: z.literal(VERSION) });

export const SwitchOutcome = SwitchRecord.extend({ ok: z.boolean(), at: Timestamp.optional() });
export type SwitchOutcome = z.input<typeof SwitchOutcome>;
export const TestOutcome = TestRecord.extend({ at: Timestamp.optional() });
export type TestOutcome = z.input<typeof TestOutcome>;

export interface Records {
  lastSwitch: SwitchRecord | null;
  /** A switch failed after the last successful one, or the last test after it failed. */
  lastSwitchFailed: boolean;
  lastTest: TestRecord | null;
  /** generation -> the commit it was built from (null: built from a commit not recorded). */
  builtFrom: Map<number, string | null>;
}

/**
 * Called by the runner after every switch: `generation` is the profile's generation read after
 * the switch. A failed switch's generation is not mapped to its commit: a failed build leaves the
 * old generation active, and it was not built from this commit. Bad input throws, writing nothing.
 */
export function recordSwitch(stateDir: string, outcome: SwitchOutcome): void {
  const { ok, ...fields } = _valid(SwitchOutcome, outcome, "switch record");
  const record: SwitchRecord = { ...fields, at: fields.at ?? new Date().toISOString() };
  const path = statePaths(stateDir).switchRecord;
  const before = _read(path, SwitchFile) ?? {
    version: VERSION,
    lastSwitch: null,
    failedAfter: null,
    builtFrom: [],
  };
  let next: SwitchFile = { ...before, failedAfter: record };
  if (ok) {
    const kept = before.builtFrom.filter((b) => b.generation !== record.generation);
    const built =
      record.generation === null
        ? []
        : [{ generation: record.generation, commit: record.commit, at: record.at }];
    next = {
      version: VERSION,
      lastSwitch: record,
      failedAfter: null,
      builtFrom: [...built, ...kept].slice(0, MAX_BUILT_FROM),
    };
  }
  writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
}

/** Called by the runner after every test job: passed when every test script passed. */
export function recordTest(stateDir: string, outcome: TestOutcome): void {
  const { passed, at } = _valid(TestOutcome, outcome, "test record");
  const record = { version: VERSION, passed, at: at ?? new Date().toISOString() };
  writeFileAtomic(statePaths(stateDir).testRecord, `${JSON.stringify(record, null, 2)}\n`);
}

export function readRecords(stateDir: string): Records {
  const paths = statePaths(stateDir);
  const switches = _read(paths.switchRecord, SwitchFile);
  const test = _read(paths.testRecord, TestFile);
  const lastSwitch = switches?.lastSwitch ?? null;
  const lastTest = test ? { passed: test.passed, at: test.at } : null;
  const testFailedSince =
    lastTest !== null &&
    !lastTest.passed &&
    (!lastSwitch || Date.parse(lastTest.at) >= Date.parse(lastSwitch.at));
  return {
    lastSwitch,
    lastSwitchFailed: Boolean(switches?.failedAfter) || testFailedSince,
    lastTest,
    builtFrom: new Map((switches?.builtFrom ?? []).map((b) => [b.generation, b.commit])),
  };
}

function _valid<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`invalid ${what}: ${issues.join("; ")}`);
}

function _read<S extends z.ZodType>(path: string, schema: S): z.output<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
