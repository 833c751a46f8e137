// The deliver loop's sleep and its wake-up: a job started while the loop is busy with a pass must
// not wait out the idle interval (found by the rollback e2e test: a lost wake cost 30 s).
import { expect, test } from "bun:test";
import { Wake, wakeableSleep } from "../../agent/loop.ts";

const timed = async (run: () => Promise<void>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};

test("a wake during the sleep ends it at once", async () => {
  const wake = new Wake();
  const signal = new AbortController().signal;
  setTimeout(() => wake.now(), 20);
  expect(await timed(() => wakeableSleep(30_000, signal, wake))).toBeLessThan(1000);
});

test("a wake while no sleep is in progress ends the next sleep at once, and only that one", async () => {
  const wake = new Wake();
  const signal = new AbortController().signal;
  wake.now(); // as if a job started while the loop was busy delivering
  expect(await timed(() => wakeableSleep(30_000, signal, wake))).toBeLessThan(1000);
  expect(await timed(() => wakeableSleep(200, signal, wake))).toBeGreaterThanOrEqual(190);
});

test("stopping ends the sleep at once", async () => {
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 20);
  expect(await timed(() => wakeableSleep(30_000, stop.signal, new Wake()))).toBeLessThan(1000);
});

// SIGTERM that lands while a loop is inside its tick (a vitals sample, a state read, a delivery)
// aborts before the sleep starts: the abort event has fired already, and the agent sat out the
// whole interval (up to stateIntervalSeconds, 300 s) after "stopping: SIGTERM".
test("a sleep begun after the stop ends at once, with or without a wake", async () => {
  const stop = new AbortController();
  stop.abort();
  expect(await timed(() => wakeableSleep(30_000, stop.signal))).toBeLessThan(1000);
  expect(await timed(() => wakeableSleep(30_000, stop.signal, new Wake()))).toBeLessThan(1000);
});
