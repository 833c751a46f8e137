// The repository contract on starting and updating rollouts:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import { type OpenRepository, rollout, usingRepo } from "./fixtures.ts";

export function rolloutsContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);
  describe(`the ${name} repository: rollouts`, () => {
    test(
      "starts a rollout unless one is running or paused, and names the active one",
      withRepo(async (r) => {
        await r.seed.rollout(rollout("r_done", "completed"));
        expect(await r.repo.startRollout(rollout("r_1"))).toEqual({
          kind: "started",
          rollout: rollout("r_1"),
        });
        expect(await r.repo.startRollout(rollout("r_2"))).toMatchObject({
          kind: "already_active",
          active: { id: "r_1", state: "running" },
        });
        expect(r.read.rollouts().map((x) => x.id)).toEqual(["r_done", "r_1"]);
      }),
    );

    test(
      "a paused rollout is active too",
      withRepo(async (r) => {
        await r.seed.rollout(rollout("r_paused", "paused"));
        expect(await r.repo.startRollout(rollout("r_2"))).toMatchObject({
          kind: "already_active",
          active: { id: "r_paused", state: "paused" },
        });
      }),
    );

    test(
      "an update lands only on the record it was decided from",
      withRepo(async (r) => {
        const started = await r.repo.startRollout(rollout("r_1"));
        if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
        const paused = { ...started.rollout, state: "paused" as const };
        const first = await r.repo.updateRollout(started.rollout, paused);
        expect(first).toMatchObject({ kind: "updated", rollout: { state: "paused" } });
        const stale = await r.repo.updateRollout(started.rollout, { ...started.rollout, state: "cancelled" });
        expect(stale).toMatchObject({ kind: "changed_meanwhile", current: { state: "paused" } });
        if (first.kind !== "updated") return;
        const resumed = await r.repo.updateRollout(first.rollout, { ...first.rollout, state: "running" });
        expect(resumed).toMatchObject({ kind: "updated", rollout: { state: "running" } });
        expect(r.read.rollouts().map((x) => x.state)).toEqual(["running"]);
      }),
    );

    test(
      "two updates from one record at once: one lands, the other hears it changed",
      withRepo(async (r) => {
        const started = await r.repo.startRollout(rollout("r_1"));
        if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
        const outcomes = await Promise.all([
          r.repo.updateRollout(started.rollout, { ...started.rollout, state: "paused" }),
          r.repo.updateRollout(started.rollout, { ...started.rollout, state: "cancelled" }),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["changed_meanwhile", "updated"]);
        const landed = outcomes.flatMap((o) => (o.kind === "updated" ? [o.rollout.state] : []));
        expect(r.read.rollouts().map((x) => x.state)).toEqual(landed);
      }),
    );

    test(
      "two starts at once: one starts",
      withRepo(async (r) => {
        const outcomes = await Promise.all([
          r.repo.startRollout(rollout("r_a")),
          r.repo.startRollout(rollout("r_b")),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["already_active", "started"]);
        expect(r.read.rollouts()).toHaveLength(1);
      }),
    );
  });
}
