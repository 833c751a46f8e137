// ctx.wakeups: due work runs at the moment asked for (not before, not a sweeper tick after),
// moments close together share one run, and nothing runs once the server stopped it. Real timers.
import { afterEach, describe, expect, test } from "bun:test";
import { Wakeups } from "../../server/wakeups.ts";

let wakeups: Wakeups | undefined;
afterEach(() => wakeups?.stop());

/** A Wakeups whose runs are recorded as ms after `t0`. */
function recorded(minGapMs = 50) {
  const t0 = Date.now();
  const runs: number[] = [];
  wakeups = new Wakeups(
    () => runs.push(Date.now() - t0),
    (err) => {
      throw err;
    },
    minGapMs,
  );
  return { t0, runs, wakeups };
}

describe("Wakeups", () => {
  test("runs at the moment asked for, not before", async () => {
    const { t0, runs, wakeups } = recorded();
    wakeups.at(t0 + 150);
    await Bun.sleep(100);
    expect(runs).toEqual([]);
    await Bun.sleep(250);
    expect(runs).toHaveLength(1);
    expect(runs[0]!).toBeGreaterThanOrEqual(150);
    expect(wakeups.pending).toBe(0);
  });

  test("the earliest moment comes first, whatever order they were asked in", async () => {
    const { t0, runs, wakeups } = recorded(0);
    wakeups.at(t0 + 300);
    wakeups.at(t0 + 100);
    await Bun.sleep(200);
    expect(runs).toHaveLength(1);
    expect(runs[0]!).toBeGreaterThanOrEqual(100);
    expect(runs[0]!).toBeLessThan(300);
    await Bun.sleep(250);
    expect(runs).toHaveLength(2);
    expect(runs[1]!).toBeGreaterThanOrEqual(300);
  });

  test("moments within the gap share one run; the same moment asked twice runs once", async () => {
    const { t0, runs, wakeups } = recorded(200);
    for (const ms of [50, 60, 70, 70, 80]) wakeups.at(t0 + ms);
    await Bun.sleep(500);
    // 50 runs alone; 60-80 were not due then and wait out the gap together.
    expect(runs).toHaveLength(2);
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(200);
    expect(wakeups.pending).toBe(0);
  });

  test("a moment already past runs soon", async () => {
    const { t0, runs, wakeups } = recorded();
    wakeups.at(t0 - 10_000);
    await Bun.sleep(100);
    expect(runs).toHaveLength(1);
  });

  test("stopped: nothing asked before or after runs", async () => {
    const { t0, runs, wakeups } = recorded();
    wakeups.at(t0 + 50);
    wakeups.stop();
    wakeups.at(t0 + 60);
    await Bun.sleep(200);
    expect(runs).toEqual([]);
    expect(wakeups.pending).toBe(0);
  });

  test("a run that throws goes to onError, and the moments after it still run", async () => {
    const t0 = Date.now();
    const runs: number[] = [];
    const failures: unknown[] = [];
    wakeups = new Wakeups(
      () => {
        runs.push(Date.now() - t0);
        if (runs.length === 1) throw new Error("the first run fails");
      },
      (err) => failures.push(err),
      0,
    );
    wakeups.at(t0 + 50);
    wakeups.at(t0 + 150);
    await Bun.sleep(300);
    expect(runs).toHaveLength(2);
    expect(runs[1]!).toBeGreaterThanOrEqual(150);
    expect(failures).toEqual([new Error("the first run fails")]);
  });
});
