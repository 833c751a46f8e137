// When the agent sends its config state: only a state fleetd has not acknowledged (by hello or
// agentState), read on the interval or at once after a delivered job, and a failed send retried
// on its own backoff (never sooner, whatever asks), a refused one not again until it changes.
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentClient } from "../../agent/client.ts";
import { AgentConfig } from "../../agent/config.ts";
import { StateReporter } from "../../agent/state/reporter.ts";
import { hostStateHash } from "../../agent/state/state-hash.ts";
import type { HostState } from "../../protocol/config-state.ts";
import { ApiError } from "../../protocol/errors.ts";
import { tempDir } from "../harness/temp-dir.ts";

const LIMITS = { baseMs: 1_000, capMs: 8_000 };
const INTERVAL_S = 300;

const state = (generation: number): HostState => ({
  checkout: null,
  system: { generation, path: `/nix/store/${generation}-system`, needsReboot: null },
  lastSwitch: null,
  lastSwitchFailed: false,
  lastTest: null,
  generations: [],
});

/** A reporter on a clock the test moves, reading `host.state`, sending to a fake fleetd. */
function setup(stateDir = tempDir("state-reporter")) {
  const clock = { now: 1_000_000 };
  const host = { state: state(1), reads: 0 };
  const sent: HostState[] = [];
  const fleetd = { answer: (): unknown => ({ ok: true }) };
  const client = {
    state: async (body: HostState) => {
      sent.push(body);
      const answer = fleetd.answer();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Pick<AgentClient, "state">;
  const config = AgentConfig.parse({
    server: "http://127.0.0.1:1",
    name: "web1",
    tags: ["web", "eu"],
    stateIntervalSeconds: INTERVAL_S,
  });
  const read = async () => {
    host.reads++;
    return host.state;
  };
  const reporter = new StateReporter(config, stateDir, client, LIMITS, read, () => clock.now);
  /** Moves the clock to when the reporter wakes and ticks there, `times` times. */
  const wakeAndTick = async (times = 1) => {
    for (let i = 0; i < times; i++) {
      clock.now += reporter.sleepMs();
      await reporter.tick();
    }
  };
  return { clock, host, sent, fleetd, reporter, wakeAndTick, stateDir };
}

describe("the state reporter", () => {
  test("hello carries the state and tags; once acknowledged, an unchanged state is never sent", async () => {
    const { host, sent, reporter, wakeAndTick } = setup();
    const hello = await reporter.forHello();
    expect(hello.state).toEqual(state(1));
    expect(hello.tags).toEqual(["web", "eu"]);
    hello.answered({});
    // Not before the interval: the hello just read it.
    expect(reporter.sleepMs()).toBe(INTERVAL_S * 1000);
    await reporter.tick();
    expect(host.reads).toBe(1);
    await wakeAndTick(3);
    expect(host.reads).toBe(4);
    expect(sent).toEqual([]);
  });

  test("restarted on the same state dir, the hello names the acknowledged state by hash alone", async () => {
    const first = setup();
    (await first.reporter.forHello()).answered({});
    const again = setup(first.stateDir);
    const hello = await again.reporter.forHello();
    expect(hello.state).toBeUndefined();
    expect(hello.stateHash).toBe(hostStateHash(state(1)));
    expect(hello.answered({ stateWanted: false })).toBe(false);
    await again.wakeAndTick(2);
    expect(again.sent).toEqual([]);
  });

  test("fleetd wants the state the hash named: the next tick, at once, sends it whole", async () => {
    const first = setup();
    (await first.reporter.forHello()).answered({});
    const again = setup(first.stateDir);
    const hello = await again.reporter.forHello();
    expect(hello.answered({ stateWanted: true })).toBe(true);
    expect(again.reporter.sleepMs()).toBe(0);
    await again.reporter.tick();
    expect(again.sent).toEqual([state(1)]);
    // And that send is remembered: the next restart names it by hash again.
    expect((await setup(first.stateDir).reporter.forHello()).stateHash).toBe(hostStateHash(state(1)));
  });

  test("a changed state goes whole in the hello, whatever was acknowledged before", async () => {
    const first = setup();
    (await first.reporter.forHello()).answered({});
    const again = setup(first.stateDir);
    again.host.state = state(2);
    const hello = await again.reporter.forHello();
    expect(hello.state).toEqual(state(2));
    expect(hello.stateHash).toBeUndefined();
  });

  test("a note the state dir cannot take, or a damaged one, costs only the whole state in the next hello", async () => {
    const missing = join(tempDir("state-reporter"), "gone");
    const cannot = setup(missing);
    (await cannot.reporter.forHello()).answered({});
    expect(existsSync(missing)).toBe(false);
    // In memory it still holds: a reconnect of the same process names it by hash.
    expect((await cannot.reporter.forHello()).stateHash).toBe(hostStateHash(state(1)));
    expect((await setup(missing).reporter.forHello()).state).toEqual(state(1));
    const damaged = tempDir("state-reporter");
    writeFileSync(join(damaged, "state-acked.json"), '{"hash": "not a hash"');
    expect((await setup(damaged).reporter.forHello()).state).toEqual(state(1));
  });

  test("a changed state is sent once, at the interval", async () => {
    const { host, sent, reporter, wakeAndTick } = setup();
    (await reporter.forHello()).answered({});
    host.state = state(2);
    await wakeAndTick();
    expect(sent).toEqual([state(2)]);
    await wakeAndTick(2);
    expect(sent).toHaveLength(1);
  });

  test("a hello that was not answered acknowledges nothing: the next read sends", async () => {
    const { sent, reporter, wakeAndTick } = setup();
    await reporter.forHello(); // never acked: fleetd did not answer
    await wakeAndTick();
    expect(sent).toEqual([state(1)]);
  });

  test("a delivered job makes the next tick read at once, not at the end of the interval", async () => {
    const { clock, host, sent, reporter } = setup();
    (await reporter.forHello()).answered({});
    host.state = state(2);
    clock.now += 1_000;
    reporter.poke();
    expect(reporter.sleepMs()).toBe(0);
    await reporter.tick();
    expect(sent).toEqual([state(2)]);
    expect(reporter.sleepMs()).toBe(INTERVAL_S * 1000);
  });

  test("a failed send is retried on a growing backoff, re-reading then; a poke does not cut it short", async () => {
    const { clock, host, sent, fleetd, reporter, wakeAndTick } = setup();
    (await reporter.forHello()).answered({});
    host.state = state(2);
    fleetd.answer = () => new ApiError(503, "internal", "fleetd is starting");
    const waits: number[] = [];
    reporter.poke();
    for (let i = 0; i < 5; i++) {
      await wakeAndTick();
      waits.push(reporter.sleepMs());
      reporter.poke();
      await reporter.tick(); // inside the backoff: nothing sent
      expect(sent).toHaveLength(i + 1);
    }
    // Equal jitter: each wait within [ceiling/2, ceiling] of 1, 2, 4, 8, 8 s.
    for (const [i, ceiling] of [1_000, 2_000, 4_000, 8_000, 8_000].entries()) {
      expect(waits[i]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(waits[i]).toBeLessThanOrEqual(ceiling);
    }
    // What goes on the retry is the state as it is then.
    host.state = state(3);
    fleetd.answer = () => ({ ok: true });
    await wakeAndTick();
    expect(sent.at(-1)).toEqual(state(3));
    expect(reporter.sleepMs()).toBe(INTERVAL_S * 1000);
    // Succeeded: the next failure starts the backoff over.
    host.state = state(4);
    fleetd.answer = () => new ApiError(0, "unreachable", "ECONNREFUSED");
    clock.now += reporter.sleepMs();
    await reporter.tick();
    expect(reporter.sleepMs()).toBeLessThanOrEqual(LIMITS.baseMs);
  });

  test("a refused token waits at least a minute before the next try", async () => {
    const { host, fleetd, reporter, wakeAndTick } = setup();
    host.state = state(2);
    fleetd.answer = () => new ApiError(401, "unauthorized", "host token revoked");
    await wakeAndTick();
    expect(reporter.sleepMs()).toBeGreaterThanOrEqual(60_000);
  });

  test("a state fleetd refuses as invalid is not sent again until it changes", async () => {
    const { host, sent, fleetd, wakeAndTick } = setup();
    host.state = state(2);
    fleetd.answer = () => new ApiError(400, "validation_failed", "body.system.generation: too big");
    await wakeAndTick(3);
    expect(sent).toEqual([state(2)]);
    host.state = state(3);
    fleetd.answer = () => ({ ok: true });
    await wakeAndTick();
    expect(sent).toEqual([state(2), state(3)]);
  });

  test("a hello refused for its state says hello again without it, and holds that state back until it changes", async () => {
    const { host, sent, reporter, wakeAndTick, stateDir } = setup();
    const invalid = new ApiError(400, "validation_failed", "body.state.system.generation: too big");
    const first = await reporter.forHello();
    expect(first.state).toEqual(state(1));
    expect(first.refused(invalid)).toBe(true);
    first.answered({});
    // Not acknowledged: the agent does not note it as what fleetd holds.
    expect(existsSync(join(stateDir, "state-acked.json"))).toBe(false);
    const again = await reporter.forHello();
    expect(again.state).toBeUndefined();
    expect(again.stateHash).toBeUndefined();
    await wakeAndTick(2);
    expect(sent).toEqual([]);
    // Changed, it goes again: by hello, and by the state loop.
    host.state = state(2);
    expect((await reporter.forHello()).state).toEqual(state(2));
    await wakeAndTick();
    expect(sent).toEqual([state(2)]);
  });

  test("a hello refused for another reason, or without a state, is not retried without it", async () => {
    const { reporter } = setup();
    const hello = await reporter.forHello();
    expect(hello.refused(new ApiError(503, "internal", "fleetd is starting"))).toBe(false);
    expect(hello.refused(new ApiError(401, "unauthorized", "token refused"))).toBe(false);
    expect(hello.refused(new Error("ECONNREFUSED"))).toBe(false);
    hello.answered({});
    const byHash = await reporter.forHello();
    expect(byHash.stateHash).toBe(hostStateHash(state(1)));
    expect(byHash.refused(new ApiError(400, "validation_failed", "bad hash"))).toBe(false);
  });

  test("a state that cannot be read sends nothing and leaves hello without one", async () => {
    const config = AgentConfig.parse({ server: "http://127.0.0.1:1", name: "web1" });
    const sent: unknown[] = [];
    const client = { state: async (b: unknown) => sent.push(b) } as unknown as Pick<AgentClient, "state">;
    const broken = async (): Promise<HostState> => {
      throw new Error("EIO");
    };
    let now = 0;
    const reporter = new StateReporter(config, "/unused", client, LIMITS, broken, () => now);
    const hello = await reporter.forHello();
    expect(hello.state).toBeUndefined();
    expect(hello.tags).toEqual([]);
    now += reporter.sleepMs();
    await reporter.tick();
    expect(sent).toEqual([]);
    expect(reporter.sleepMs()).toBe(300 * 1000);
  });
});
