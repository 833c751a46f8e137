// Presence across replicas on a real PostgreSQL: a host held on B is online on A after B's next
// heartbeat and offline once its grace ends; a replica killed outright (its own process, default
// timings) has its hosts offline everywhere within 15 s; last-seen goes out in batches, not per poll.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { DEFAULT_POSTGRES_TIMINGS } from "../../server/coordinator/postgres/coordinator.ts";
import { waitFor } from "../harness/index.ts";
import { noPostgres, openReplica, usePostgres } from "./replicas.ts";

const { freshDatabase } = usePostgres();

describe.skipIf(noPostgres !== null)("presence", () => {
  test("a host held on B is online on A after B's heartbeat, and offline there once its grace ends", async () => {
    const db = await freshDatabase();
    const a = await openReplica(db.url, "a");
    const b = await openReplica(db.url, "b", { offlineGraceMs: 300 });
    const onA = a.coordinator.presence;
    expect(onA.isOnline("h1")).toBe(false);
    b.coordinator.presence.hold("h1");
    await b.coordinator.beat();
    await a.coordinator.beat();
    expect({
      online: onA.isOnline("h1"),
      heard: onA.heardSinceStart("h1"),
      since: onA.offlineSince("h1"),
    }).toEqual({
      online: true,
      heard: true,
      since: null,
    });
    expect(onA.takeCandidates().has("h1")).toBe(true);

    b.coordinator.presence.release("h1", "answered");
    await Bun.sleep(350);
    await b.coordinator.beat();
    await a.coordinator.beat();
    expect(onA.isOnline("h1")).toBe(false);
    expect(onA.takeCandidates().has("h1")).toBe(true);
    expect(await db.sql("SELECT replica_id, host_id FROM fleet_presence")).toEqual([]);
  });

  test("a replica killed outright: its hosts are offline on the others within 15 s", async () => {
    const db = await freshDatabase();
    const hosts = ["h1", "h2", "h3"];
    const a = await openReplica(db.url, "a", { offlineGraceMs: 10_000, timings: DEFAULT_POSTGRES_TIMINGS });
    const child = Bun.spawn(
      [process.execPath, resolve(import.meta.dir, "replica-process.ts"), db.url, "doomed", ...hosts],
      { stdout: "pipe", stderr: "inherit" },
    );
    try {
      const reader = child.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
      await a.coordinator.beat();
      expect(hosts.map((h) => a.coordinator.presence.isOnline(h))).toEqual([true, true, true]);
      a.coordinator.presence.takeCandidates();

      child.kill("SIGKILL");
      await child.exited;
      const killed = Date.now();
      // A's own heartbeats, every 2 s, are what notice it.
      await waitFor(() => hosts.every((h) => !a.coordinator.presence.isOnline(h)), {
        what: "the killed replica's hosts offline",
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      expect(Date.now() - killed).toBeLessThan(15_000);
      expect([...a.coordinator.presence.takeCandidates()].sort()).toEqual(hosts);
      // Offline since its last heartbeat, not since the agents' last poll nor since A noticed.
      const since = a.coordinator.presence.offlineSince("h1")!;
      expect(killed - since).toBeLessThanOrEqual(DEFAULT_POSTGRES_TIMINGS.heartbeatMs + 500);
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);

  test("requests and polls between heartbeats cost one write per host at the next beat", async () => {
    const db = await freshDatabase();
    // Beats only when the test says.
    const b = await openReplica(db.url, "b", {
      timings: { heartbeatMs: 60_000, replicaDeadAfterMs: 120_000 },
    });
    const presence = b.coordinator.presence;
    for (let i = 0; i < 50; i++) {
      for (const host of ["h1", "h2"]) {
        presence.hold(host);
        presence.release(host, "answered");
        presence.seen(host);
      }
    }
    expect(await db.sql("SELECT host_id FROM fleet_presence")).toEqual([]);
    // Every row written to fleet_presence, counted by the server itself.
    await db.sql("CREATE TABLE presence_writes (op text, host_id text)");
    await db.sql(`CREATE FUNCTION count_presence_write() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN INSERT INTO presence_writes VALUES (TG_OP, NEW.host_id); RETURN NEW; END $$`);
    await db.sql(`CREATE TRIGGER counted AFTER INSERT OR UPDATE ON fleet_presence
      FOR EACH ROW EXECUTE FUNCTION count_presence_write()`);
    await b.coordinator.beat();
    const writes = "SELECT op, host_id FROM presence_writes ORDER BY op, host_id";
    expect(await db.sql(writes)).toEqual([
      { op: "INSERT", host_id: "h1" },
      { op: "INSERT", host_id: "h2" },
    ]);
    const rows = await db.sql<{ host_id: string; last_seen: Date }>(
      "SELECT host_id, last_seen FROM fleet_presence ORDER BY host_id",
    );

    presence.seen("h1");
    await b.coordinator.beat();
    expect((await db.sql(writes)).slice(2)).toEqual([{ op: "UPDATE", host_id: "h1" }]);
    const [h1] = await db.sql<{ last_seen: Date }>(
      "SELECT last_seen FROM fleet_presence WHERE host_id = 'h1'",
    );
    expect(h1!.last_seen.getTime()).toBeGreaterThan(rows[0]!.last_seen.getTime());
  });

  test("a replica taken for dead writes all its hosts again at its next heartbeat", async () => {
    const db = await freshDatabase();
    const b = await openReplica(db.url, "b", {
      timings: { heartbeatMs: 60_000, replicaDeadAfterMs: 120_000 },
    });
    b.coordinator.presence.hold("h1");
    await b.coordinator.beat();
    // What the others do to a replica silent for an hour; its rows go with it.
    await db.sql("DELETE FROM fleet_replicas WHERE replica_id = 'b'");
    await b.coordinator.beat();
    expect(await db.sql("SELECT replica_id, host_id FROM fleet_presence")).toEqual([
      { replica_id: "b", host_id: "h1" },
    ]);
  });
});
