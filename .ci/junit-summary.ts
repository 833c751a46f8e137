// The last line of every CI run: real pass/fail/skip counts parsed from bun's JUnit XML,
// never hard-coded. Bun leaves unhandled errors between tests (e.g. a test file that fails
// to import) out of the XML, so they are taken from its console summary and counted as failed.
// Usage: bun .ci/junit-summary.ts <junit.xml> [<console log>]; exit 0 only if nothing failed or was skipped.
import { existsSync, readFileSync } from "node:fs";

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface FailedTest {
  file: string;
  /** "describe > test"; bun names a failed beforeAll/afterAll hook "(unnamed)". */
  name: string;
  /** The failure's first line. */
  message: string;
}

export interface JUnitReport extends Counts {
  /** The root element's own totals, to cross-check the per-testcase count. */
  declared: { tests: number; failures: number; errors: number; skipped: number } | null;
  failures: FailedTest[];
}

const TAG = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const ATTR = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function _unescape(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ref: string) => {
    if (ref[0] !== "#") return ENTITIES[ref] ?? whole;
    return String.fromCodePoint(ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
  });
}

function _attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(ATTR)) out[m[1]!] = _unescape(m[2] ?? m[3] ?? "");
  return out;
}

/** Counts every <testcase>: a <failure> or <error> child means failed, <skipped> skipped, else passed. */
export function parseJUnit(xml: string): JUnitReport {
  const body = xml.replace(/<!--[\s\S]*?-->/g, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  let declared: JUnitReport["declared"] = null;
  const failures: FailedTest[] = [];
  let current: keyof Counts | null = null;
  let testcase: Record<string, string> = {};
  for (const [, closing, name, attrText, selfClosing] of body.matchAll(TAG)) {
    if (!declared && !closing && (name === "testsuites" || name === "testsuite")) {
      const a = _attrs(attrText ?? "");
      const num = (key: string) => Number(a[key] ?? 0) || 0;
      declared = {
        tests: num("tests"),
        failures: num("failures"),
        errors: num("errors"),
        skipped: num("skipped"),
      };
    }
    if (name === "testcase") {
      if (closing) {
        if (current) counts[current]++;
        current = null;
      } else if (selfClosing) counts.passed++;
      else {
        current = "passed";
        testcase = _attrs(attrText ?? "");
      }
    } else if (current && !closing && (name === "failure" || name === "error")) {
      if (current !== "failed") {
        const { file = "?", classname, name: test = "?" } = testcase;
        const message = _attrs(attrText ?? "").message?.split("\n")[0] ?? "";
        failures.push({ file, name: classname ? `${classname} > ${test}` : test, message });
      }
      current = "failed";
    } else if (current === "passed" && !closing && name === "skipped") current = "skipped";
  }
  return { ...counts, declared, failures };
}

export interface ConsoleSummary {
  pass: number;
  fail: number;
  skip: number;
  todo: number;
  /** Unhandled errors between tests; bun's JUnit XML does not contain them. */
  errors: number;
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The " N pass / N fail / N error(s)" block bun prints at the end; null if it never got there. */
export function parseConsoleSummary(log: string): ConsoleSummary | null {
  const plain = log.replace(ANSI_COLOUR, "");
  if (!/^Ran \d+ tests? across \d+ files?\./m.test(plain)) return null;
  const last = (word: string) => {
    const all = [...plain.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))];
    return Number(all.at(-1)?.[1] ?? 0);
  };
  return {
    pass: last("pass"),
    fail: last("fail"),
    skip: last("skip"),
    todo: last("todo"),
    errors: last("errors?"),
  };
}

export function formatCounts(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ""}`;
}

/** The lines to print (the counts line last) and whether the test step counts as passed. */
export function summarize(
  xml: string | null,
  log: string | null,
  xmlPath: string,
): { lines: string[]; ok: boolean } {
  const consoleSummary = log === null ? null : parseConsoleSummary(log);
  if (xml === null) {
    if (log && /No tests found!/.test(log))
      return { lines: [`no tests found: bun wrote no ${xmlPath}`], ok: false };
    if (consoleSummary) {
      const { pass, fail, skip, todo } = consoleSummary;
      return {
        lines: [
          `bun wrote no ${xmlPath} although tests ran; counts below are from its console summary`,
          formatCounts({ passed: pass, failed: fail, skipped: skip + todo }),
        ],
        ok: false,
      };
    }
    return { lines: [`test step crashed before writing ${xmlPath}: no counts`], ok: false };
  }
  const report = parseJUnit(xml);
  const lines: string[] = [];
  const d = report.declared;
  if (
    d &&
    (d.tests !== report.passed + report.failed + report.skipped || d.failures + d.errors !== report.failed)
  ) {
    lines.push(
      `note: ${xmlPath} declares tests=${d.tests} failures=${d.failures} errors=${d.errors} skipped=${d.skipped}; counted its <testcase> elements instead`,
    );
  }
  const unhandled = consoleSummary?.errors ?? 0;
  if (unhandled > 0) {
    lines.push(
      `${unhandled} unhandled error(s) outside any test (e.g. a file that failed to load) counted as failed`,
    );
  }
  // Named next to the counts, so the end of the log says which test failed.
  for (const f of report.failures)
    lines.push(`failed: ${f.file}: ${f.name}${f.message ? ` — ${f.message}` : ""}`);
  const counts = { passed: report.passed, failed: report.failed + unhandled, skipped: report.skipped };
  if (counts.skipped > 0)
    lines.push(`${counts.skipped} test(s) skipped: CI runs every tier, so a skip fails it`);
  lines.push(formatCounts(counts));
  return { lines, ok: counts.failed === 0 && counts.skipped === 0 };
}

if (import.meta.main) {
  const [xmlPath, logPath] = process.argv.slice(2);
  if (!xmlPath) {
    console.error("usage: bun .ci/junit-summary.ts <junit.xml> [<console log>]");
    process.exit(2);
  }
  const read = (path: string | undefined) => (path && existsSync(path) ? readFileSync(path, "utf8") : null);
  const { lines, ok } = summarize(read(xmlPath), read(logPath), xmlPath);
  for (const line of lines) console.log(line);
  process.exit(ok ? 0 : 1);
}
