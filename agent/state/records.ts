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
import type { z } from "zod";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import { type Checker, jsonChecker } from "../../lib/json-schema-check.ts";
import type { SwitchRecord, TestRecord } from "../../protocol/config-state.ts";
import type {
  SwitchFile as SwitchFileSchema,
  SwitchOutcome as SwitchOutcomeSchema,
  TestOutcome as TestOutcomeSchema,
} from "../file-schemas.ts";
import { statePaths } from "../paths.ts";
import { jsonSchema } from "../schema-macro.ts" with { type: "macro" };
import { MAX_BUILT_FROM, RECORD_VERSION } from "./record-format.ts";

type SwitchFile = z.output<typeof SwitchFileSchema>;
const SWITCH_FILE = jsonChecker(() => jsonSchema("SwitchFile"));
const TEST_FILE = jsonChecker(() => jsonSchema("TestFile"));
const SWITCH_OUTCOME = jsonChecker(() => jsonSchema("SwitchOutcome"));
const TEST_OUTCOME = jsonChecker(() => jsonSchema("TestOutcome"));
export type SwitchOutcome = z.input<typeof SwitchOutcomeSchema>;
export type TestOutcome = z.input<typeof TestOutcomeSchema>;

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
  const { ok, ...fields } = _valid(SWITCH_OUTCOME, outcome, "switch record");
  const record: SwitchRecord = { ...fields, at: fields.at ?? new Date().toISOString() };
  const path = statePaths(stateDir).switchRecord;
  const before = _read(path, SWITCH_FILE) ?? {
    version: RECORD_VERSION,
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
      version: RECORD_VERSION,
      lastSwitch: record,
      failedAfter: null,
      builtFrom: [...built, ...kept].slice(0, MAX_BUILT_FROM),
    };
  }
  writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
}

/** Called by the runner after every test job: passed when every test script passed. */
export function recordTest(stateDir: string, outcome: TestOutcome): void {
  const { passed, at } = _valid(TEST_OUTCOME, outcome, "test record");
  const record = { version: RECORD_VERSION, passed, at: at ?? new Date().toISOString() };
  writeFileAtomic(statePaths(stateDir).testRecord, `${JSON.stringify(record, null, 2)}\n`);
}

export function readRecords(stateDir: string): Records {
  const paths = statePaths(stateDir);
  const switches = _read(paths.switchRecord, SWITCH_FILE);
  const test = _read(paths.testRecord, TEST_FILE);
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

function _valid<T>(schema: Checker<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`invalid ${what}: ${issues.join("; ")}`);
}

function _read<T>(path: string, schema: Checker<T>): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
