// runChild: output streaming, exit codes, and the timeout that kills the whole group.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { LINE_CUT_NOTE, MAX_LINE_CHARS, runChild } from "../../agent/jobs/child.ts";

const base = { killGraceMs: 500, onLine: () => {} };

/** Alive and not a zombie (this sandbox's init may be slow to reap orphans). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe("runChild", () => {
  test("streams stdout and stderr lines and reports the exit code", async () => {
    const lines: string[] = [];
    const result = await runChild(["sh", "-c", "echo one; echo two >&2; printf partial; exit 3"], {
      ...base,
      timeoutMs: 5000,
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    expect(result).toMatchObject({ exitCode: 3, timedOut: false, aborted: false });
    expect(lines.sort()).toEqual(["stderr:two", "stdout:one", "stdout:partial"]);
  });

  test("a hung child and its grandchildren are killed at the timeout", async () => {
    const lines: string[] = [];
    const started = performance.now();
    // The grandchild ignores SIGTERM, so only the group SIGKILL after the grace gets it.
    const result = await runChild(["sh", "-c", "sh -c 'trap \"\" TERM; echo $$; sleep 60' & wait"], {
      ...base,
      timeoutMs: 300,
      onLine: (_s, line) => lines.push(line),
    });
    expect(result.timedOut).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
    const grandchild = Number(lines[0]);
    expect(grandchild).toBeGreaterThan(0);
    await Bun.sleep(700);
    expect(alive(grandchild)).toBe(false);
  });

  test("a missing program is a spawn error, not a hang", async () => {
    const result = await runChild(["/nonexistent/program"], { ...base, timeoutMs: 5000 });
    expect(result.spawnError).toBeDefined();
    expect(result.exitCode).toBeNull();
  });

  test("abort kills the group and says so", async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 100);
    const result = await runChild(["sleep", "30"], { ...base, timeoutMs: 10_000, signal: ctrl.signal });
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
  });

  test("a signal aborted before the step begins: nothing is started, and it says aborted", async () => {
    const stop = new AbortController();
    stop.abort();
    const marker = `/tmp/fleet-child-never-${process.pid}`;
    const started = performance.now();
    const result = await runChild(["sh", "-c", `touch ${marker}; sleep 30`], {
      ...base,
      timeoutMs: 60_000,
      signal: stop.signal,
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ exitCode: null, timedOut: false, aborted: true });
    expect(await Bun.file(marker).exists()).toBe(false);
  });

  test("a long line is cut while it is read: its head, the note, then the next line whole", async () => {
    const lines: string[] = [];
    // 20 MB without a newline, then a short line: the cut line must not swallow it.
    const result = await runChild(["sh", "-c", "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo next"], {
      ...base,
      timeoutMs: 60_000,
      onLine: (_s, line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual([`${"x".repeat(MAX_LINE_CHARS)}${LINE_CUT_NOTE}`, "next"]);
  });

  test("a cut line with no newline at all is still emitted when the child ends", async () => {
    const lines: string[] = [];
    await runChild(["sh", "-c", `head -c ${MAX_LINE_CHARS + 1} /dev/zero | tr '\\0' y`], {
      ...base,
      timeoutMs: 10_000,
      onLine: (_s, line) => lines.push(line),
    });
    expect(lines).toEqual([`${"y".repeat(MAX_LINE_CHARS)}${LINE_CUT_NOTE}`]);
  });
});
