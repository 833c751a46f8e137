// How a rollout reads on screen: plan order, bar, per-host lines, TTY vs piped, exit codes.
import { describe, expect, test } from "bun:test";
import { rolloutOutcome } from "../../cli/rollout-start.ts";
import {
  createRolloutView,
  describePlan,
  describeRolloutHost,
  renderRolloutBar,
} from "../../cli/rollout-view.ts";
import type { Rollout } from "../../protocol/index.ts";

const rollout = (over: Partial<Rollout> = {}): Rollout => ({
  id: "r_1",
  state: "running",
  target: { kind: "update", version: "2.0.0", sha256: {}, allowDowngrade: false },
  options: {
    canary: 1,
    batch: 2,
    maxFailures: 0,
    timeoutSeconds: 90,
    soakSeconds: 0,
    includeOffline: "skip",
  },
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: "admin",
  hosts: [
    { hostId: "h_a", name: "a", phase: "canary", group: 0, state: "done" },
    { hostId: "h_b", name: "b", phase: "batch", group: 1, state: "in_progress" },
    { hostId: "h_c", name: "c", phase: "batch", group: 1, state: "failed", reason: "rolled_back: crash" },
    { hostId: "h_d", name: "d", phase: "batch", group: 2, state: "pending" },
  ],
  ...over,
});

describe("rollout view", () => {
  test("plan reads canary first, then each batch", () => {
    expect(describePlan(rollout())).toBe("canary: a · batch 1: b, c · batch 2: d");
  });

  test("a large batch shows its first names and how many more, not a thousand names", () => {
    const hosts = Array.from({ length: 250 }, (_, i) => ({
      hostId: `h_${i}`,
      name: `web${i}`,
      phase: "batch" as const,
      group: 1,
      state: "pending" as const,
    }));
    expect(describePlan(rollout({ hosts }))).toBe(
      "batch 1: 250 hosts: web0, web1, web2, web3, web4, web5, web6 and 243 more",
    );
  });

  test("hosts already on the target are listed apart from the order, with no canary or batch", () => {
    const current = { hostId: "h_0", name: "build1", phase: "none", group: 0, state: "skipped" } as const;
    const skipped = { ...current, reason: "already at 2.0.0" };
    expect(describePlan(rollout({ hosts: [skipped, ...rollout().hosts] }))).toBe(
      "canary: a · batch 1: b, c · batch 2: d · skipped, already at 2.0.0: build1",
    );
    expect(describeRolloutHost(skipped)).toBe("build1: skipped — already at 2.0.0");
    expect(describePlan(rollout({ state: "completed", hosts: [skipped] }))).toBe(
      "nothing to update (skipped, already at 2.0.0: build1)",
    );
  });

  test("bar counts finished hosts and names the state", () => {
    expect(renderRolloutBar(rollout(), 8)).toBe("[####----] 2/4 · 1 in progress · 1 failed · running");
  });

  test("a failed host's line carries its reason", () => {
    expect(describeRolloutHost(rollout().hosts[2]!)).toBe("c (batch 1): failed — rolled_back: crash");
  });

  test("piped output prints each host line once, only when it changes", () => {
    const out: string[] = [];
    const view = createRolloutView({ tty: false, write: (t) => out.push(t) });
    view.update(rollout());
    view.update(rollout());
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain("\u001b");
    expect(out[0]!.split("\n").filter(Boolean)).toHaveLength(5);
  });

  test("piped output ends with the final bar exactly once", () => {
    const out: string[] = [];
    const view = createRolloutView({ tty: false, write: (t) => out.push(t) });
    view.update(rollout());
    view.finish(rollout());
    const bars = out
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("["));
    expect(bars).toEqual(["[############------------] 2/4 · 1 in progress · 1 failed · running"]);
  });

  test("on a terminal the bar is redrawn in place", () => {
    const out: string[] = [];
    const view = createRolloutView({ tty: true, write: (t) => out.push(t) });
    view.update(rollout());
    view.update(rollout());
    expect(out[1]).toStartWith("\r\u001b[2K[");
  });
});

describe("exit code of update --wait", () => {
  test("0 only for a completed rollout without failures", () => {
    const done = rollout({
      state: "completed",
      hosts: rollout().hosts.map((h) => ({ ...h, state: "done" as const })),
    });
    expect(rolloutOutcome(done).code).toBe(0);
    expect(rolloutOutcome(rollout({ state: "completed" })).code).toBe(1);
    const halted = rolloutOutcome(
      rollout({ state: "halted", reason: "halted at c (h_c): rolled_back: crash" }),
    );
    expect(halted.code).toBe(1);
    expect(halted.message).toContain("halted at c");
  });
});

describe("a deploy's view", () => {
  const commit = "1".repeat(40);
  const deploy = (): Rollout => ({
    ...rollout(),
    target: { kind: "deploy", commit, subject: "web: nginx", confirmSeconds: 90, test: true, rollback: true },
    hosts: [
      {
        hostId: "h_a",
        name: "a",
        phase: "canary",
        group: 0,
        state: "done",
        outcome: { op: "deploy", kind: "deployed", commit, generationBefore: 41, generationAfter: 42 },
      },
      { hostId: "h_b", name: "b", phase: "batch", group: 1, state: "soaking" },
      {
        hostId: "h_c",
        name: "c",
        phase: "none",
        group: 0,
        state: "skipped",
        reason: "already at config 111111111111",
      },
    ],
  });

  test("a host's line shows the generations before and after; the bar reads as prose", () => {
    expect(describeRolloutHost(deploy().hosts[0]!)).toBe("a (canary): done · generation 41 → 42");
    expect(renderRolloutBar(deploy(), 6)).toBe("[####--] 2/3 · 1 soaking · 1 skipped · running");
  });

  test("nothing to deploy says so", () => {
    const nothing = { ...deploy(), hosts: [deploy().hosts[2]!] };
    expect(describePlan(nothing)).toBe("nothing to deploy (skipped, already at config 111111111111: c)");
  });
});
