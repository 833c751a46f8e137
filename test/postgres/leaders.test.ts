// Leaders of the singleton tasks on a real PostgreSQL: one replica leads each task; when its
// session is terminated it stops at once and another takes over within the check interval with
// a higher fencing epoch; a leader whose checks stall stops within its lease, before another
// may start; a replica that closes hands its leads on.
import { describe, expect, test } from "bun:test";
import { SINGLETON_TASKS } from "../../server/coordinator/types.ts";
import { waitFor } from "../harness/index.ts";
import { FAST, noPostgres, openReplica, type Replica, usePostgres } from "./replicas.ts";

const { freshDatabase } = usePostgres();

const leadersOf = (replicas: readonly Replica[], task: (typeof SINGLETON_TASKS)[number]) =>
  replicas.filter((r) => r.coordinator.leadership(task).isLeader()).map((r) => r.coordinator.replicaId);

describe.skipIf(noPostgres !== null)("leaders", () => {
  test("exactly one of three replicas leads each task, also after every replica checked again", async () => {
    const db = await freshDatabase();
    const replicas = await Promise.all(["a", "b", "c"].map((id) => openReplica(db.url, id)));
    for (let round = 0; round < 3; round++) {
      await Promise.all(replicas.map((r) => r.coordinator.checkLeads()));
      for (const task of SINGLETON_TASKS) expect(leadersOf(replicas, task)).toHaveLength(1);
    }
    const epochs = await db.sql("SELECT task, epoch::int FROM fleet_leader_epochs ORDER BY task");
    expect(epochs).toEqual([...SINGLETON_TASKS].sort().map((task) => ({ task, epoch: 1 })));
  });

  test("the leader's session terminated: it stops at once, another leads within the interval with a higher epoch", async () => {
    const db = await freshDatabase();
    const a = await openReplica(db.url, "a");
    const b = await openReplica(db.url, "b");
    const old = a.coordinator.leadership("rollouts");
    const term = old.term()!;
    expect(term.epoch).toBe(1);
    expect(b.coordinator.leadership("rollouts").isLeader()).toBe(false);

    await db.sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fleetd a leader'",
    );
    const killed = performance.now();
    // At its next tick at the latest (it hears the session close sooner).
    await a.coordinator.checkLeads();
    expect(old.isLeader()).toBe(false);
    expect(term.signal.aborted).toBe(true);
    const next = await waitFor(() => b.coordinator.leadership("rollouts").term(), {
      what: "B to lead",
      intervalMs: 20,
    });
    expect(performance.now() - killed).toBeLessThan(2 * FAST.leaderCheckMs + 500);
    expect(next.epoch).toBe(2);
    expect(await db.sql("SELECT epoch::int FROM fleet_leader_epochs WHERE task = 'rollouts'")).toEqual([
      { epoch: 2 },
    ]);
    // A comes back on a new session, and does not take the lead back from a live leader.
    for (let i = 0; i < 3; i++) await a.coordinator.checkLeads();
    expect(leadersOf([a, b], "rollouts")).toEqual(["b"]);
    expect(a.lines).toContain("warn no longer leads rollouts (epoch 1): its database session closed");
  });

  test("a leader whose checks stall stops within its lease, before another can take the lock", async () => {
    const db = await freshDatabase();
    const a = await openReplica(db.url, "a");
    const b = await openReplica(db.url, "b");
    expect(a.coordinator.leadership("sweeper").isLeader()).toBe(true);
    // The check reads fleet_leader_epochs: a lock on it makes A's checks hang, its session alive.
    await db.sql("BEGIN");
    await db.sql("LOCK TABLE fleet_leader_epochs IN ACCESS EXCLUSIVE MODE");
    try {
      const stalled = performance.now();
      await waitFor(() => !a.coordinator.leadership("sweeper").isLeader(), {
        what: "A to stop",
        intervalMs: 20,
      });
      const leaseMs = 3 * FAST.leaderCheckMs;
      expect(performance.now() - stalled).toBeLessThan(leaseMs + FAST.leaderCheckMs + 300);
      // A's session still holds the lock, so nobody else leads while A cannot tell it has lost.
      await Bun.sleep(2 * FAST.leaderCheckMs);
      expect(leadersOf([a, b], "sweeper")).toEqual([]);
    } finally {
      await db.sql("ROLLBACK");
    }
    // Its stalled check answers, its unlock follows, and one of them leads again.
    await waitFor(() => leadersOf([a, b], "sweeper").length === 1, { what: "a leader again" });
    // Whichever saw the lease run out first: the lease check, or the stalled statement's deadline.
    const lease = `${3 * FAST.leaderCheckMs} ms`;
    const stopped = [
      `warn no longer leads sweeper (epoch 1): its lock was not confirmed for ${lease}`,
      `warn no longer leads sweeper (epoch 1): its session did not answer within ${lease}`,
    ];
    expect(a.lines.filter((l) => stopped.includes(l))).toHaveLength(1);
  });

  test("a replica that closes hands its leads to another within the interval", async () => {
    const db = await freshDatabase();
    const a = await openReplica(db.url, "a");
    const b = await openReplica(db.url, "b");
    expect(leadersOf([a, b], "notify")).toEqual(["a"]);
    await a.coordinator.close();
    expect(a.coordinator.leadership("notify").isLeader()).toBe(false);
    await waitFor(() => b.coordinator.leadership("notify").isLeader(), {
      what: "B to lead",
      timeoutMs: 2_000,
    });
    expect(b.coordinator.leadership("notify").term()!.epoch).toBe(2);
  });
});
