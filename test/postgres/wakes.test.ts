// Wakes across replicas on a real PostgreSQL: a wake on A reaches the replica holding the poll,
// a poll held where the wake happens hears it without the database, and a NOTIFY lost while a
// replica was cut off, or never sent, is caught up when it listens again or reconciles.
import { describe, expect, test } from "bun:test";
import { waitFor } from "../harness/index.ts";
import { noPostgres, openReplica, type Replica, usePostgres } from "./replicas.ts";

const { freshDatabase } = usePostgres();

const wakesOf = (replica: Replica) => {
  const woken: string[] = [];
  replica.coordinator.onWake((hostId) => woken.push(hostId));
  return woken;
};

describe.skipIf(noPostgres !== null)("wakes", () => {
  test("a wake on A reaches the subscriber of B, which holds the poll, and nobody else", async () => {
    const db = await freshDatabase();
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => openReplica(db.url, id)));
    const [onA, onB, onC] = [wakesOf(a!), wakesOf(b!), wakesOf(c!)];
    b!.coordinator.presence.hold("h1");
    a!.coordinator.wake("h1");
    await waitFor(() => onB.length > 0, { what: "B to hear the wake" });
    expect({ onA, onB, onC }).toEqual({ onA: [], onB: ["h1"], onC: [] });
  });

  test("a poll held where the wake happens hears it at once, and nothing is written", async () => {
    const db = await freshDatabase();
    const a = await openReplica(db.url, "a");
    const onA = wakesOf(a);
    a.coordinator.presence.hold("h1");
    a.coordinator.wake("h1");
    expect(onA).toEqual(["h1"]);
    expect(await db.sql("SELECT count(*)::int AS n FROM fleet_wakes")).toEqual([{ n: 0 }]);
  });

  test("a wake NOTIFYed while B's connections were cut off reaches B when it listens again", async () => {
    const db = await freshDatabase();
    // B logs in as a role of its own, so the test can keep it out while A goes on.
    await db.sql("CREATE ROLE replica_b LOGIN SUPERUSER");
    const a = await openReplica(db.url, "a");
    const b = await openReplica(db.urlAs("replica_b"), "b");
    const onB = wakesOf(b);
    b.coordinator.presence.hold("h1");
    await db.sql("ALTER ROLE replica_b NOLOGIN");
    await db.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'replica_b'");
    a.coordinator.wake("h1");
    await waitFor(
      async () => (await db.sql<{ n: number }>("SELECT count(*)::int AS n FROM fleet_wakes"))[0]!.n,
      {
        what: "A's wake written",
      },
    );
    await Bun.sleep(500);
    expect(onB).toEqual([]);
    await db.sql("ALTER ROLE replica_b LOGIN");
    // reconcileMs is a minute here: only the catch-up of the reLISTEN can deliver it in time.
    await waitFor(() => onB.length > 0, { what: "B to catch up on the wake", timeoutMs: 20_000 });
    expect(onB).toEqual(["h1"]);
    // B was cut off indeed, not merely slow.
    expect(b.lines).toContain(
      'warn the presence heartbeat failed, retrying: role "replica_b" is not permitted to log in',
    );
  });

  test("a wake whose notification never came is caught up within reconcileMs", async () => {
    const db = await freshDatabase();
    const b = await openReplica(db.url, "b", { timings: { reconcileMs: 500 } });
    const onB = wakesOf(b);
    b.coordinator.presence.hold("h1");
    b.coordinator.presence.hold("h2");
    // As a transaction would write it: the row, and no NOTIFY heard.
    await db.sql("INSERT INTO fleet_wakes (host_id) VALUES ('h2')");
    const written = performance.now();
    await waitFor(() => onB.length > 0, { what: "B to reconcile", timeoutMs: 5_000, intervalMs: 20 });
    expect(performance.now() - written).toBeLessThan(500 + 400);
    expect(onB).toEqual(["h2"]);
  });
});
