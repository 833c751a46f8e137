// The runner's switch and test records in a real state dir: what HostState reads back from them,
// bad input refused with nothing written, and a torn, garbage or other-version file read as absent.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { statePaths } from "../../agent/paths.ts";
import { readRecords, recordSwitch, recordTest } from "../../agent/state/records.ts";
import { tempDir } from "../harness/index.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

describe("what HostState reads back", () => {
  test("nothing recorded yet: all absent, nothing failed", () => {
    expect(readRecords(tempDir("records"))).toEqual({
      lastSwitch: null,
      lastSwitchFailed: false,
      lastTest: null,
      builtFrom: new Map(),
    });
  });

  test("a successful switch, its generation's commit, then tests failing and passing after it", () => {
    const dir = tempDir("records");
    recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 41, at: at(1) });
    expect(readRecords(dir)).toEqual({
      lastSwitch: { commit: A, dirty: false, generation: 41, at: at(1) },
      lastSwitchFailed: false,
      lastTest: null,
      builtFrom: new Map([[41, A]]),
    });
    recordTest(dir, { passed: false, at: at(2) });
    expect(readRecords(dir)).toMatchObject({
      lastSwitchFailed: true,
      lastTest: { passed: false, at: at(2) },
    });
    recordTest(dir, { passed: true, at: at(3) });
    expect(readRecords(dir)).toMatchObject({
      lastSwitchFailed: false,
      lastTest: { passed: true, at: at(3) },
    });
  });

  test("a failed switch keeps the last good one and maps no generation, until the next success", () => {
    const dir = tempDir("records");
    recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 41, at: at(1) });
    recordSwitch(dir, { ok: false, commit: B, dirty: false, generation: 41, at: at(2) });
    recordTest(dir, { passed: true, at: at(3) });
    expect(readRecords(dir)).toEqual({
      lastSwitch: { commit: A, dirty: false, generation: 41, at: at(1) },
      lastSwitchFailed: true,
      lastTest: { passed: true, at: at(3) },
      builtFrom: new Map([[41, A]]),
    });
    recordSwitch(dir, { ok: true, commit: B, dirty: true, generation: 42, at: at(4) });
    expect(readRecords(dir)).toMatchObject({
      lastSwitch: { commit: B, dirty: true, generation: 42 },
      lastSwitchFailed: false,
      builtFrom: new Map([
        [42, B],
        [41, A],
      ]),
    });
  });

  test("a test that failed before the last successful switch does not count against it", () => {
    const dir = tempDir("records");
    recordTest(dir, { passed: false, at: at(1) });
    expect(readRecords(dir).lastSwitchFailed).toBe(true);
    recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 1, at: at(2) });
    expect(readRecords(dir).lastSwitchFailed).toBe(false);
  });

  test("at defaults to now; a switch back to a generation number remaps it; 50 generations are kept", () => {
    const dir = tempDir("records");
    const before = Date.now();
    recordSwitch(dir, { ok: true, commit: null, dirty: false, generation: 0 });
    expect(Date.parse(readRecords(dir).lastSwitch!.at)).toBeGreaterThanOrEqual(before - 1000);
    for (let g = 1; g <= 60; g++)
      recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: g, at: at(g) });
    recordSwitch(dir, { ok: true, commit: B, dirty: false, generation: 55, at: at(61) });
    const built = readRecords(dir).builtFrom;
    expect(built.size).toBe(50);
    expect([built.get(55), built.get(60), built.has(10), built.has(11)]).toEqual([B, A, false, true]);
  });
});

describe("bad input and bad files", () => {
  test("a malformed commit, an absurd generation or a bad time is refused and writes nothing", () => {
    const dir = tempDir("records");
    recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 1, at: at(1) });
    const paths = statePaths(dir);
    const before = readFileSync(paths.switchRecord, "utf8");
    expect(() => recordSwitch(dir, { ok: true, commit: "HEAD", dirty: false, generation: 2 })).toThrow(
      /invalid switch record: commit/,
    );
    expect(() => recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 10_000_000 })).toThrow(
      /generation/,
    );
    expect(() => recordTest(dir, { passed: true, at: "yesterday" })).toThrow(/invalid test record: at/);
    expect(readFileSync(paths.switchRecord, "utf8")).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(["switch-record.json"]);
  });

  test("a torn, garbage or other-version record reads as absent, and the next record replaces it", () => {
    const dir = tempDir("records");
    const paths = statePaths(dir);
    recordSwitch(dir, { ok: true, commit: A, dirty: false, generation: 1, at: at(1) });
    recordTest(dir, { passed: false, at: at(2) });
    const whole = readFileSync(paths.switchRecord, "utf8");
    writeFileSync(paths.switchRecord, whole.slice(0, whole.length / 2));
    writeFileSync(paths.testRecord, "\u0000\u0000garbage");
    expect(readRecords(dir)).toEqual({
      lastSwitch: null,
      lastSwitchFailed: false,
      lastTest: null,
      builtFrom: new Map(),
    });
    writeFileSync(paths.switchRecord, whole.replace('"version": 1', '"version": 2'));
    expect(readRecords(dir).lastSwitch).toBeNull();
    recordSwitch(dir, { ok: false, commit: B, dirty: false, generation: null, at: at(3) });
    expect(readRecords(dir)).toMatchObject({ lastSwitch: null, lastSwitchFailed: true });
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});
