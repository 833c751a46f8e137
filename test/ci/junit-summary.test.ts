// The CI summary line must match what bun really ran: checked against bun's own JUnit XML and
// console output for a project with passing, failing, skipped, todo and unloadable test files.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatCounts, parseJUnit, summarize } from "../../.ci/junit-summary.ts";
import { runToEnd } from "../harness/run-to-end.ts";
import { tempDir } from "../harness/temp-dir.ts";

const SAMPLE_TESTS: Record<string, string> = {
  "a.test.ts": `import { describe, expect, test } from "bun:test";
describe("group", () => {
  test("passes", () => expect(1).toBe(1));
  test("fails", () => expect(1).toBe(2));
  test.skip("skipped", () => {});
  test.todo("todo");
  describe("nested", () => { test("passes too", () => {}); });
});
test("top-level <pass> & \\"quotes\\"", () => {});`,
  "b.test.ts": `import { afterAll, test } from "bun:test";
test("times out", async () => { await new Promise((r) => setTimeout(r, 500)); }, 20);
afterAll(() => { throw new Error("cleanup boom"); });`,
  "c.test.ts": `import { test } from "bun:test";
test("never runs", () => {});
throw new Error("module load boom");`,
};

describe("against a real bun test run", () => {
  let xml: string;
  let log: string;
  let exitCode: number;

  beforeAll(async () => {
    const dir = tempDir("junit");
    mkdirSync(join(dir, "test"));
    for (const [name, source] of Object.entries(SAMPLE_TESTS)) writeFileSync(join(dir, "test", name), source);
    const run = await runToEnd(
      [process.execPath, "test", "--reporter=junit", "--reporter-outfile=junit.xml"],
      { PATH: process.env.PATH ?? "" },
      { cwd: dir, clean: true },
    );
    exitCode = run.code;
    log = run.stdout + run.stderr;
    xml = readFileSync(join(dir, "junit.xml"), "utf8");
  });

  test("bun still prints its console report alongside the JUnit file", () => {
    expect(exitCode).toBe(1);
    expect(log).toContain("(fail) group > fails");
    expect(log).toMatch(/^Ran \d+ tests across 3 files\./m);
  });

  test("testcases: 3 passed, 3 failed (assertion, timeout, afterAll hook), 2 skipped (skip, todo)", () => {
    expect(parseJUnit(xml)).toMatchObject({ passed: 3, failed: 3, skipped: 2 });
  });

  test("each failed test is named, with its file and first message line, before the counts", () => {
    const { lines } = summarize(xml, log, "junit.xml");
    const named = lines.filter((l) => l.startsWith("failed: "));
    expect(named).toContain("failed: test/a.test.ts: group > fails — expect(received).toBe(expected)");
    expect(named.some((l) => l.startsWith("failed: test/b.test.ts: times out"))).toBe(true);
    // A failing afterAll hook is a testcase bun calls "(unnamed)": its message says which.
    expect(named).toContain("failed: test/b.test.ts: (unnamed) — cleanup boom");
    expect(lines.indexOf(named.at(-1)!)).toBeLessThan(lines.length - 1);
  });

  test("the file that failed to load is missing from the XML but counted from the console", () => {
    const { lines, ok } = summarize(xml, log, "junit.xml");
    expect(ok).toBe(false);
    expect(lines.at(-1)).toBe("3 passed, 4 failed, 2 skipped");
    expect(lines).toContain(
      "1 unhandled error(s) outside any test (e.g. a file that failed to load) counted as failed",
    );
  });
});

describe("edge cases", () => {
  test("<error> counts as failed; comments and CDATA cannot fake a testcase; a root <testsuite> works", () => {
    const xml = `<?xml version="1.0"?>
<testsuite tests="3" failures="0" errors="1" skipped="1">
  <!-- <testcase name="commented out"/> -->
  <testcase name="ok" />
  <testcase name="boom"><error message="x"><![CDATA[<testcase name="fake"/>]]></error></testcase>
  <testcase name="later"><skipped/></testcase>
</testsuite>`;
    expect(parseJUnit(xml)).toEqual({
      passed: 1,
      failed: 1,
      skipped: 1,
      declared: { tests: 3, failures: 0, errors: 1, skipped: 1 },
      failures: [{ file: "?", name: "boom", message: "x" }],
    });
    expect(summarize(xml, null, "j.xml")).toEqual({
      lines: [
        "failed: ?: boom — x",
        "1 test(s) skipped: CI runs every tier, so a skip fails it",
        "1 passed, 1 failed, 1 skipped",
      ],
      ok: false,
    });
  });

  test("a skip alone fails the run: CI runs every tier", () => {
    const xml =
      '<testsuites><testsuite><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite></testsuites>';
    const { lines, ok } = summarize(xml, null, "j.xml");
    expect(ok).toBe(false);
    expect(lines.at(-1)).toBe("1 passed, 0 failed, 1 skipped");
  });

  test("all passing: ok, and no skipped suffix", () => {
    const xml =
      '<testsuites tests="2" failures="0" skipped="0"><testsuite><testcase name="a"/><testcase name="b"></testcase></testsuite></testsuites>';
    expect(summarize(xml, null, "j.xml")).toEqual({ lines: ["2 passed, 0 failed"], ok: true });
    expect(formatCounts({ passed: 0, failed: 0, skipped: 0 })).toBe("0 passed, 0 failed");
  });

  test("no XML: says the step crashed, or found no tests, or falls back to bun's console counts", () => {
    expect(summarize(null, null, "j.xml")).toEqual({
      lines: ["test step crashed before writing j.xml: no counts"],
      ok: false,
    });
    expect(summarize(null, "No tests found!\n", "j.xml").lines).toEqual([
      "no tests found: bun wrote no j.xml",
    ]);
    const onlyErrors = "\n 0 pass\n 2 fail\n 2 errors\nRan 2 tests across 2 files. [9.00ms]\n";
    expect(summarize(null, onlyErrors, "j.xml").lines.at(-1)).toBe("0 passed, 2 failed");
  });
});
