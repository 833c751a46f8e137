// When the agent sends vitals: one fresh sample per interval, none with interval 0, a failed send
// retried on its own backoff with a fresh sample (never the old one again, never per tick), and
// the reader's CPU use computed from the time between two readings.
import { describe, expect, test } from "bun:test";
import type { AgentClient } from "../../agent/client.ts";
import { AgentConfig } from "../../agent/config.ts";
import { setLogQuiet } from "../../agent/log.ts";
import { parseCpuTimes, parseLoadavg, parseMeminfo } from "../../agent/vitals/proc.ts";
import { cpuPercentBetween, VitalsReader } from "../../agent/vitals/read.ts";
import { VitalsReporter } from "../../agent/vitals/reporter.ts";
import { ApiError } from "../../protocol/errors.ts";
import { HostVitals } from "../../protocol/vitals.ts";

setLogQuiet(true);
const LIMITS = { baseMs: 1_000, capMs: 8_000 };

function setup(intervalSeconds: number) {
  const clock = { now: 1_000_000 };
  const sent: HostVitals[] = [];
  const fleetd = { fail: false, refuse: 0 };
  const client = {
    vitals: async (body: HostVitals) => {
      sent.push(body);
      if (fleetd.fail) throw new ApiError(0, "internal", "cannot reach fleetd");
      if (fleetd.refuse) throw new ApiError(fleetd.refuse, "bad_request", "refused");
      return { ok: true as const };
    },
  } as unknown as Pick<AgentClient, "vitals">;
  let reads = 0;
  const source = {
    read: (): HostVitals => ({
      ...HostVitals.parse({
        at: new Date(clock.now).toISOString(),
        load: null,
        cpuPercent: null,
        memory: null,
        swap: null,
        disks: { root: null, nix: null, state: null },
        uptimeSeconds: ++reads,
        bootedAt: null,
      }),
    }),
  };
  const reporter = new VitalsReporter(intervalSeconds, client, LIMITS, source, () => clock.now);
  const wakeAndTick = async () => {
    clock.now += reporter.sleepMs();
    await reporter.tick();
  };
  return { clock, sent, fleetd, reporter, wakeAndTick };
}

describe("the vitals reporter", () => {
  test("sends one fresh sample per interval, the first one interval after start", async () => {
    const { clock, sent, reporter, wakeAndTick } = setup(60);
    const start = clock.now;
    await reporter.tick();
    expect(sent).toEqual([]);
    expect(reporter.sleepMs()).toBe(60_000);
    for (let i = 0; i < 3; i++) await wakeAndTick();
    expect(sent.map((s) => Date.parse(s.at) - start)).toEqual([60_000, 120_000, 180_000]);
    // Ticks in between (the loop woke early) send nothing.
    clock.now += 1_000;
    await reporter.tick();
    expect(sent.length).toBe(3);
  });

  test("interval 0 sends nothing, ever", async () => {
    const { clock, sent, reporter } = setup(0);
    expect(reporter.enabled).toBe(false);
    clock.now += 3_600_000;
    await reporter.tick();
    expect(sent).toEqual([]);
    expect(AgentConfig.parse({ server: "http://127.0.0.1:1", name: "a" }).vitalsIntervalSeconds).toBe(60);
    expect(
      AgentConfig.safeParse({ server: "http://127.0.0.1:1", name: "a", vitalsIntervalSeconds: -1 }).success,
    ).toBe(false);
  });

  test("a failed send is retried on the path's backoff with a fresh sample, capped at the interval", async () => {
    const { clock, sent, fleetd, reporter, wakeAndTick } = setup(5);
    fleetd.fail = true;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await wakeAndTick();
      times.push(clock.now);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Backoff of 1, 2, 4, 8 s, each jittered to between half and all of it; the 5 s interval caps it.
    expect(gaps[0]).toBeWithin(500, 1_001);
    expect(gaps[1]).toBeWithin(1_000, 2_001);
    expect(gaps[2]).toBeWithin(2_000, 4_001);
    expect(gaps[3]).toBeWithin(4_000, 5_001);
    expect(new Set(sent.map((s) => s.uptimeSeconds)).size).toBe(5);
    fleetd.fail = false;
    await wakeAndTick();
    expect(reporter.sleepMs()).toBe(5_000);
  });

  test("a sample fleetd refuses for good (an older fleetd's 404, a 400) waits for the next interval", async () => {
    const { sent, fleetd, reporter, wakeAndTick } = setup(60);
    fleetd.refuse = 404;
    await wakeAndTick();
    expect(reporter.sleepMs()).toBe(60_000);
    fleetd.refuse = 400;
    await wakeAndTick();
    expect(reporter.sleepMs()).toBe(60_000);
    expect(sent.length).toBe(2);
  });
});

describe("the vitals reader", () => {
  test("parses /proc's formats and nothing else", () => {
    expect(parseLoadavg("0.52 0.58 0.59 2/1190 12345\n")).toEqual([0.52, 0.58, 0.59]);
    expect(parseLoadavg("garbage")).toBeNull();
    expect(parseCpuTimes("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n")).toEqual({
      busy: 150,
      total: 1000,
    });
    expect(parseCpuTimes("intr 1 2 3")).toBeNull();
    const mem = parseMeminfo(
      "MemTotal:       16000 kB\nMemAvailable:    8000 kB\nHugePages_Total:       0\n",
    );
    expect(mem.get("MemTotal")).toBe(16000 * 1024);
    expect(mem.has("HugePages_Total")).toBe(false);
  });

  test("CPU use is the busy share between two readings; unknown when no time passed", () => {
    expect(cpuPercentBetween({ busy: 100, total: 1000 }, { busy: 350, total: 2000 })).toBe(25);
    expect(cpuPercentBetween({ busy: 100, total: 1000 }, { busy: 100, total: 1000 })).toBeNull();
    expect(cpuPercentBetween(null, { busy: 1, total: 2 })).toBeNull();
  });

  test("a platform reading that lacks a piece gives null for it, and the sample still validates", () => {
    const times = [
      { busy: 0, total: 0 },
      { busy: 30, total: 120 },
    ];
    const reader = new VitalsReader(
      "/nonexistent-state-dir",
      () => ({
        load: null,
        cpu: times.shift() ?? null,
        memory: null,
        swap: null,
        uptimeSeconds: null,
        bootedAtMs: null,
      }),
      () => Date.parse("2026-01-01T00:00:00.000Z"),
    );
    const sample = reader.read();
    expect(HostVitals.parse(sample)).toEqual(sample);
    expect(sample.cpuPercent).toBe(25);
    expect(sample.disks.state).toBeNull();
    expect(sample.load).toBeNull();
  });
});
