// The rollout engine's step, case by case: what it does with each observation, for a config
// deploy (the kind with a soak and a report to wait for) and an agent update. No store, no clock.
import { describe, expect, test } from "bun:test";
import type { JobOutcome } from "../../protocol/job-outcomes.ts";
import { type Rollout, RolloutOptions, type RolloutTarget } from "../../protocol/rollouts.ts";
import { type HostSeen, type Observed, step } from "../../server/services/rollouts/engine.ts";
import type { JobSeen } from "../../server/services/rollouts/kinds/kind.ts";

const COMMIT = "c".repeat(40);
const OTHER = "b".repeat(40);
const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const DEPLOY: RolloutTarget = {
  kind: "deploy",
  commit: COMMIT,
  subject: "web: nginx",
  confirmSeconds: 90,
  test: true,
  rollback: true,
};
const UPDATE: RolloutTarget = {
  kind: "update",
  version: "2.0.0",
  sha256: { "linux-x64": "d".repeat(64) },
  allowDowngrade: false,
};
const deploySpec = {
  op: "deploy" as const,
  args: { commit: COMMIT, confirmSeconds: 90, test: true, rollback: true },
};

function rolloutOf(names: string[], options: Partial<RolloutOptions> = {}, target = DEPLOY): Rollout {
  const opts = RolloutOptions.parse({ canary: 1, batch: 1, ...options });
  return {
    id: "r_1",
    state: "running",
    target,
    options: opts,
    createdAt: new Date(T0).toISOString(),
    createdBy: "admin",
    hosts: names.map((name, i) => ({
      hostId: `h_${name}`,
      name,
      phase: i < opts.canary ? "canary" : "batch",
      group: i < opts.canary ? 0 : 1 + Math.floor((i - opts.canary) / (opts.batch ?? 1)),
      state: "pending",
    })),
  };
}

const seen = (over: Partial<HostSeen> = {}): HostSeen => ({
  gone: null,
  presence: "online",
  onTarget: false,
  step: { spec: deploySpec },
  unconfirmed: null,
  job: null,
  ...over,
});

const deployed = (commit = COMMIT): JobOutcome => ({
  op: "deploy",
  kind: "deployed",
  commit,
  generationBefore: 41,
  generationAfter: 42,
});
const succeeded = (outcome: JobOutcome = deployed()): JobSeen => ({ state: "succeeded", outcome });

/** Observations by host name; ids come from a counter so the test can name them. */
function observed(byName: Record<string, Partial<HostSeen>> = {}, all: Partial<HostSeen> = {}) {
  let n = 0;
  const ids: string[] = [];
  const obs: Observed = {
    hosts: new Proxy(new Map<string, HostSeen>(), {
      get: (_map, key) =>
        key === "get" ? (id: string) => seen({ ...all, ...byName[id.slice(2)] }) : undefined,
    }) as Map<string, HostSeen>,
    reportGraceMs: 20_000,
    newJobId: () => {
      const id = `j_${++n}`;
      ids.push(id);
      return id;
    },
  };
  return { obs, ids };
}

const states = (r: Rollout) => r.hosts.map((h) => `${h.name}:${h.state}`);
const creates = (actions: ReturnType<typeof step>["actions"]) =>
  actions.flatMap((a) => (a.type === "create_job" ? [`${a.hostId}:${a.jobId}`] : []));

/** Runs one step and hands the rollout on, with the jobs it created marked as `job`. */
function run(
  r: Rollout,
  byName: Record<string, Partial<HostSeen>> = {},
  at = T0,
  all: Partial<HostSeen> = {},
) {
  const { obs } = observed(byName, all);
  return step(r, obs, at);
}

describe("dispatch order", () => {
  test("the canary alone first; a job id is chosen and the create asked for in the same step", () => {
    const { rollout, actions } = run(rolloutOf(["a", "b", "c"], { batch: 2 }));
    expect(states(rollout)).toEqual(["a:in_progress", "b:pending", "c:pending"]);
    expect(rollout.hosts[0]).toMatchObject({ jobId: "j_1", startedAt: new Date(T0).toISOString() });
    expect(actions).toContainEqual({ type: "create_job", hostId: "h_a", jobId: "j_1", spec: deploySpec });
    expect(actions).toContainEqual(
      expect.objectContaining({ type: "audit", action: "rollout.host_in_progress", target: "r_1" }),
    );
  });

  test("the canary deployed, confirmed, no soak: done, and the next batch goes out whole", () => {
    const first = run(rolloutOf(["a", "b", "c", "d"], { batch: 2, soakSeconds: 0 })).rollout;
    const { rollout, actions } = run(first, { a: { job: succeeded() } }, T0 + 1000);
    expect(states(rollout)).toEqual(["a:done", "b:in_progress", "c:in_progress", "d:pending"]);
    expect(rollout.hosts[0]!.outcome).toEqual(deployed());
    expect(creates(actions)).toEqual(["h_b:j_1", "h_c:j_2"]);
    expect(actions).toContainEqual({
      type: "resolve_alert",
      kind: "deploy_failed",
      subject: "h_a",
      resolution: "done in rollout r_1",
    });
  });

  test("the last host done completes the rollout and resolves a rollout_halted alert", () => {
    let r = run(rolloutOf(["a"], { soakSeconds: 0 })).rollout;
    const { rollout, actions } = run(r, { a: { job: succeeded() } });
    r = rollout;
    expect(r.state).toBe("completed");
    expect(actions).toContainEqual(
      expect.objectContaining({ type: "resolve_alert", kind: "rollout_halted" }),
    );
    expect(actions).toContainEqual(expect.objectContaining({ type: "audit", action: "rollout.completed" }));
  });
});

describe("failures", () => {
  test("the first failure halts: its alert and rollout_halted are raised, later hosts never dispatched", () => {
    const first = run(rolloutOf(["a", "b", "c"])).rollout;
    const rolledBack: JobOutcome = {
      op: "deploy",
      kind: "rolled_back",
      cause: "tests_failed",
      commit: COMMIT,
      generationBefore: 41,
      generationAfter: 41,
    };
    const { rollout, actions } = run(first, {
      a: { job: { state: "failed", outcome: rolledBack, reason: "2 tests failed" } },
    });
    expect(rollout.state).toBe("halted");
    expect(states(rollout)).toEqual(["a:failed", "b:pending", "c:pending"]);
    expect(rollout.hosts[0]!.reason).toBe("rolled back to generation 41 (tests failed): 2 tests failed");
    expect(rollout.reason).toBe(
      "halted at a (h_a): rolled back to generation 41 (tests failed): 2 tests failed",
    );
    expect(creates(actions)).toEqual([]);
    expect(actions).toContainEqual(
      expect.objectContaining({ type: "raise_alert", kind: "deploy_failed", subject: "h_a" }),
    );
    expect(actions).toContainEqual(
      expect.objectContaining({ type: "raise_alert", kind: "rollout_halted", subject: "r_1" }),
    );
    // Halted, it dispatches nothing more, whatever it sees.
    expect(creates(run(rollout).actions)).toEqual([]);
  });

  test("with --max-failures 1 the second failure halts, and the host after it is never dispatched", () => {
    let r = run(rolloutOf(["a", "b", "c"], { maxFailures: 1 })).rollout;
    r = run(r, { a: { job: { state: "failed", reason: "exit 1" } } }).rollout;
    expect(r.state).toBe("running");
    expect(states(r)).toEqual(["a:failed", "b:in_progress", "c:pending"]);
    const { rollout, actions } = run(r, { b: { job: { state: "lost", reason: "host went offline" } } });
    expect(rollout.state).toBe("halted");
    expect(states(rollout)).toEqual(["a:failed", "b:failed", "c:pending"]);
    expect(creates(actions)).toEqual([]);
  });

  test("a job that succeeded at another commit, or without a deploy outcome, is a failure", () => {
    const first = run(rolloutOf(["a", "b"], { maxFailures: 5 })).rollout;
    const other = run(first, { a: { job: succeeded(deployed(OTHER)) } }).rollout;
    expect(other.hosts[0]).toMatchObject({
      state: "failed",
      reason: `deployed ${OTHER.slice(0, 12)}, not ${COMMIT.slice(0, 12)}`,
    });
    const bare = run(first, { a: { job: { state: "succeeded" } } }).rollout;
    expect(bare.hosts[0]!.reason).toBe("the agent reported success without a deploy outcome");
  });

  test("an agent that cannot deploy fails its host without a job", () => {
    const problem = "agent 0.1.0 on a cannot deploy; update it first (fleetctl update)";
    const { rollout, actions } = run(rolloutOf(["a", "b"]), { a: { step: { problem } } });
    expect(rollout.hosts[0]).toMatchObject({ state: "failed", reason: problem });
    expect(rollout.state).toBe("halted");
    expect(creates(actions)).toEqual([]);
  });

  test("a deploy job without a result past the timeout fails its host and is cancelled", () => {
    const first = run(rolloutOf(["a"], { timeoutSeconds: 900 })).rollout;
    const running = { job: { state: "running" as const } };
    expect(run(first, { a: running }, T0 + 899_000).rollout.hosts[0]!.state).toBe("in_progress");
    const { rollout, actions } = run(first, { a: running }, T0 + 901_000);
    expect(rollout.hosts[0]).toMatchObject({ state: "failed", reason: "no result within 900 s of dispatch" });
    expect(actions).toContainEqual({
      type: "cancel_job",
      jobId: "j_1",
      reason: "no result within 900 s of dispatch",
    });
  });

  test("an update's job keeps its own clock: the engine does not time it out", () => {
    const spec = {
      op: "update" as const,
      args: { version: "2.0.0", sha256: "d".repeat(64), allowDowngrade: false },
    };
    const first = run(rolloutOf(["a"], { timeoutSeconds: 90 }, UPDATE), {}, T0, { step: { spec } }).rollout;
    const { rollout } = run(first, { a: { job: { state: "running" } } }, T0 + 3_600_000);
    expect(rollout.hosts[0]!.state).toBe("in_progress");
  });
});

describe("soak", () => {
  const soaking = () => {
    const first = run(rolloutOf(["a", "b"], { soakSeconds: 30 })).rollout;
    return run(first, { a: { job: succeeded() } }, T0 + 1000).rollout;
  };

  test("a deployed host soaks; online and confirmed through the soak it is done, then the next goes", () => {
    const r = soaking();
    expect(r.hosts[0]).toMatchObject({ state: "soaking", soakingSince: new Date(T0 + 1000).toISOString() });
    expect(creates(run(r, {}, T0 + 20_000).actions)).toEqual([]);
    const { rollout, actions } = run(r, {}, T0 + 31_000);
    expect(states(rollout)).toEqual(["a:done", "b:in_progress"]);
    expect(creates(actions)).toEqual(["h_b:j_1"]);
  });

  test("a host that drops offline while soaking fails", () => {
    const { rollout } = run(soaking(), { a: { presence: "offline" } }, T0 + 11_000);
    expect(rollout.hosts[0]).toMatchObject({
      state: "failed",
      reason: "went offline while soaking (after 10 s of 30 s)",
    });
    expect(rollout.state).toBe("halted");
  });

  test("not yet heard from since fleetd restarted is not offline: it waits, neither done nor failed", () => {
    const { rollout } = run(soaking(), { a: { presence: "unknown" } }, T0 + 40_000);
    expect(rollout.hosts[0]!.state).toBe("soaking");
  });

  test("a job deployed whose report never shows a generation built from the commit fails after the grace", () => {
    const unconfirmed = `its active generation is built from ${OTHER.slice(0, 12)}, not ${COMMIT.slice(0, 12)}`;
    const first = run(rolloutOf(["a"], { soakSeconds: 5 })).rollout;
    const r = run(first, { a: { job: succeeded(), unconfirmed } }, T0).rollout;
    // Soak over, report still not in: waited for until the grace (20 s here) runs out.
    expect(run(r, { a: { unconfirmed } }, T0 + 10_000).rollout.hosts[0]!.state).toBe("soaking");
    const { rollout } = run(r, { a: { unconfirmed } }, T0 + 20_000);
    expect(rollout.hosts[0]).toMatchObject({ state: "failed", reason: unconfirmed });
  });
});

describe("offline hosts, pause, cancel, crash", () => {
  test("an offline host is skipped and listed by default, waited for with includeOffline wait", () => {
    const skipped = run(rolloutOf(["a", "b"]), { a: { presence: "offline" } }).rollout;
    expect(states(skipped)).toEqual(["a:skipped", "b:in_progress"]);
    expect(skipped.hosts[0]!.reason).toBe("offline");
    const waiting = run(rolloutOf(["a", "b"], { includeOffline: "wait" }), {
      a: { presence: "offline" },
    }).rollout;
    expect(states(waiting)).toEqual(["a:pending", "b:pending"]);
    expect(states(run(waiting).rollout)).toEqual(["a:in_progress", "b:pending"]);
  });

  test("a host fleetd has not heard from since it started is waited for, not skipped as offline", () => {
    expect(states(run(rolloutOf(["a"]), { a: { presence: "unknown" } }).rollout)).toEqual(["a:pending"]);
  });

  test("a host that got onto the target by hand meanwhile is skipped, deleted ones too", () => {
    const r = run(rolloutOf(["a", "b", "c"], { canary: 0, batch: 3 }), {
      a: { onTarget: true },
      b: { gone: "host was deleted" },
    }).rollout;
    expect(states(r)).toEqual(["a:skipped", "b:skipped", "c:in_progress"]);
    expect(r.hosts[0]!.reason).toBe(`already at config ${COMMIT.slice(0, 12)}`);
  });

  test("paused: nothing is dispatched, hosts in flight still finish; resumed, the next goes", () => {
    const first = run(rolloutOf(["a", "b"], { soakSeconds: 0 })).rollout;
    const paused = { ...first, state: "paused" as const };
    const { rollout, actions } = run(paused, { a: { job: succeeded() } });
    expect(states(rollout)).toEqual(["a:done", "b:pending"]);
    expect(rollout.state).toBe("paused");
    expect(creates(actions)).toEqual([]);
    expect(states(run({ ...rollout, state: "running" }).rollout)).toEqual(["a:done", "b:in_progress"]);
  });

  test("cancelled: the host in flight is followed to its end, nothing else starts", () => {
    const first = run(rolloutOf(["a", "b"])).rollout;
    const cancelled = {
      ...first,
      state: "cancelled" as const,
      hosts: [first.hosts[0]!, { ...first.hosts[1]!, state: "skipped" as const }],
    };
    const { rollout, actions } = run(cancelled, { a: { job: { state: "failed", reason: "exit 1" } } });
    expect(states(rollout)).toEqual(["a:failed", "b:skipped"]);
    expect(rollout.state).toBe("cancelled");
    expect(actions).toContainEqual(expect.objectContaining({ type: "raise_alert", kind: "deploy_failed" }));
    expect(actions).not.toContainEqual(expect.objectContaining({ kind: "rollout_halted" }));
  });

  test("a crash between choosing the job id and creating the job: the same job is asked for, no new id", () => {
    const chosen = run(rolloutOf(["a", "b"])).rollout; // persisted with j_1; the job never created
    const { obs, ids } = observed();
    const { rollout, actions } = step(chosen, obs, T0 + 5000);
    expect(creates(actions)).toEqual(["h_a:j_1"]);
    expect(ids).toEqual([]);
    expect(rollout).toEqual(chosen);
    // Once the job exists, nothing is created again.
    expect(creates(run(chosen, { a: { job: { state: "queued" } } }).actions)).toEqual([]);
  });
});

describe("when time alone moves a host (wakeAt)", () => {
  test("a host soaking: the worker is told to step again when the soak ends, then at the report's grace", () => {
    const first = run(rolloutOf(["a", "b"], { soakSeconds: 30 })).rollout;
    const soaking = run(first, { a: { job: succeeded() } }, T0 + 1000);
    expect(soaking.wakeAt).toBe(T0 + 31_000);
    // Past the soak with the host's report not in yet: the next moment is the end of its grace.
    const unconfirmed = "its active generation is built from nothing";
    const waiting = step(
      { ...soaking.rollout, options: { ...soaking.rollout.options, soakSeconds: 5 } },
      { ...observed({ a: { unconfirmed } }).obs, reportGraceMs: 60_000 },
      T0 + 10_000,
    );
    expect(waiting.rollout.hosts[0]!.state).toBe("soaking");
    expect(waiting.wakeAt).toBe(T0 + 61_000);
  });

  test("a deploy in progress wakes the worker just past its timeout; an update's own clock does not", () => {
    const deploying = run(rolloutOf(["a"], { timeoutSeconds: 900 }));
    expect(deploying.wakeAt).toBe(T0 + 900_001);
    const spec = {
      op: "update" as const,
      args: { version: "2.0.0", sha256: "d".repeat(64), allowDowngrade: false },
    };
    const updating = run(rolloutOf(["a"], { timeoutSeconds: 90 }, UPDATE), {}, T0, { step: { spec } });
    expect(updating.rollout.hosts[0]!.state).toBe("in_progress");
    expect(updating.wakeAt).toBeNull();
  });

  test("nothing in flight, or every host finished: no moment to wake for", () => {
    const done = run(run(rolloutOf(["a"], { soakSeconds: 0 })).rollout, { a: { job: succeeded() } });
    expect(done.rollout.state).toBe("completed");
    expect(done.wakeAt).toBeNull();
    const waiting = run(rolloutOf(["a"], { includeOffline: "wait" }), { a: { presence: "offline" } });
    expect(waiting.wakeAt).toBeNull();
  });
});
