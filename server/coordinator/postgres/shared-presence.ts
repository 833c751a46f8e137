// Presence shared by replicas. Each keeps its own LocalPresence, as a single fleetd does, and once
// a heartbeat writes in one transaction: its heartbeat, a row per host it is in contact with (a
// held poll, or a request within the grace), last-seen of the hosts heard from since the last
// beat, and the rows of hosts it lost. It then reads which hosts the other live replicas hold. A
// replica whose heartbeat is older than replicaDeadAfterMs is dead and its hosts count no more.
// Reads answer from that copy, so presence costs no query on a request's path and no write per poll.
import type { SqlClient } from "../../db/sql.ts";
import { LocalPresence, type PresenceTimings } from "../local-presence.ts";
import type { FleetPresence } from "../types.ts";

const HEARTBEAT = `INSERT INTO fleet_replicas AS r (replica_id) VALUES ($1)
ON CONFLICT (replica_id) DO UPDATE SET heartbeat_at = now() RETURNING (xmax = 0) AS inserted`;
const UPSERT_HOSTS = `INSERT INTO fleet_presence (replica_id, host_id) SELECT $1, unnest($2::text[])
ON CONFLICT (replica_id, host_id) DO UPDATE SET last_seen = now()`;
const DELETE_HOSTS = "DELETE FROM fleet_presence WHERE replica_id = $1 AND host_id = ANY($2::text[])";
/** A host's last contact on a live replica is that replica's newest heartbeat. */
const HELD_ELSEWHERE = `SELECT p.host_id, (extract(epoch FROM max(r.heartbeat_at)) * 1000)::float8 AS contact_ms
FROM fleet_presence p JOIN fleet_replicas r USING (replica_id)
WHERE p.replica_id <> $1 AND r.heartbeat_at > now() - make_interval(secs => $2::float8 / 1000)
GROUP BY p.host_id`;
/** Long dead replicas go, and their rows with them; until then readers pass over them. */
const FORGET_DEAD = "DELETE FROM fleet_replicas WHERE heartbeat_at < now() - interval '1 hour'";
const FORGET_DEAD_EVERY_MS = 60_000;

export class SharedPresence implements FleetPresence {
  readonly local: LocalPresence;
  /** Hosts another live replica is in contact with, as of the last beat, and when it last was. */
  private elsewhere = new Map<string, number>();
  /** Every host seen on another replica since this one started: its last contact there. */
  private readonly lastContactElsewhere = new Map<string, number>();
  private readonly changedElsewhere = new Set<string>();
  /** Hosts with traffic here since the last beat. */
  private touched = new Set<string>();
  /** Hosts this replica has a row for. */
  private readonly rowed = new Set<string>();
  private forgotten = new Set<string>();
  private forgotDeadAt = 0;

  constructor(
    private readonly replicaId: string,
    timings: PresenceTimings,
    /** A replica whose heartbeat is older than this is dead. */
    private readonly deadAfterMs: number,
  ) {
    this.local = new LocalPresence(timings);
  }

  get startedAt(): number {
    return this.local.startedAt;
  }

  hold(hostId: string): void {
    this.local.hold(hostId);
    this.touched.add(hostId);
  }

  release(hostId: string, how: "answered" | "dropped", now = Date.now()): void {
    this.local.release(hostId, how, now);
    this.touched.add(hostId);
  }

  seen(hostId: string, now = Date.now()): void {
    this.local.seen(hostId, now);
    this.touched.add(hostId);
  }

  isOnline(hostId: string, now = Date.now()): boolean {
    return this.elsewhere.has(hostId) || this.local.isOnline(hostId, now);
  }

  offlineSince(hostId: string, now = Date.now()): number | null {
    if (this.elsewhere.has(hostId)) return null;
    const here = this.local.offlineSince(hostId, now);
    if (here === null) return null;
    const there = this.lastContactElsewhere.get(hostId);
    return there === undefined ? here : Math.max(here, there);
  }

  heardSinceStart(hostId: string): boolean {
    return this.local.heardSinceStart(hostId) || this.lastContactElsewhere.has(hostId);
  }

  takeCandidates(): Set<string> {
    const out = this.local.takeCandidates();
    for (const id of this.changedElsewhere) out.add(id);
    this.changedElsewhere.clear();
    return out;
  }

  forget(hostId: string): void {
    this.local.forget(hostId);
    this.elsewhere.delete(hostId);
    this.lastContactElsewhere.delete(hostId);
    if (this.rowed.has(hostId)) this.forgotten.add(hostId);
  }

  /** One heartbeat: writes this replica's share and reads everyone else's. Throws if it could not. */
  async beat(sql: SqlClient, now = Date.now()): Promise<void> {
    const touched = this.touched;
    const forgotten = this.forgotten;
    this.touched = new Set();
    this.forgotten = new Set();
    const forgetDead = Date.now() - this.forgotDeadAt >= FORGET_DEAD_EVERY_MS;
    try {
      const { upserts, deletes, held } = await sql.transaction(async (tx) => {
        const [me] = await tx.query<{ inserted: boolean }>(HEARTBEAT, [this.replicaId]);
        // A fresh row after the first beat: this replica was taken for dead and its rows are gone.
        const plan = this._plan(touched, forgotten, me!.inserted ? this.rowed : new Set(), now);
        if (plan.upserts.length > 0) await tx.query(UPSERT_HOSTS, [this.replicaId, plan.upserts]);
        if (plan.deletes.length > 0) await tx.query(DELETE_HOSTS, [this.replicaId, plan.deletes]);
        if (forgetDead) await tx.query(FORGET_DEAD);
        const rows = await tx.query<{ host_id: string; contact_ms: number }>(HELD_ELSEWHERE, [
          this.replicaId,
          this.deadAfterMs,
        ]);
        return { ...plan, held: rows };
      });
      if (forgetDead) this.forgotDeadAt = Date.now();
      for (const id of upserts) this.rowed.add(id);
      for (const id of deletes) this.rowed.delete(id);
      this._mirror(held);
    } catch (err) {
      // Written at the next beat instead.
      for (const id of touched) this.touched.add(id);
      for (const id of forgotten) this.forgotten.add(id);
      throw err;
    }
  }

  /** Drops this replica's share: its hosts are offline until they reach another replica. */
  async leave(sql: SqlClient): Promise<void> {
    await sql.query("DELETE FROM fleet_replicas WHERE replica_id = $1", [this.replicaId]);
    this.rowed.clear();
  }

  private _plan(touched: Set<string>, forgotten: Set<string>, rewrite: Set<string>, now: number) {
    const upserts: string[] = [];
    const deletes: string[] = [...forgotten];
    for (const id of new Set([...touched, ...rewrite])) {
      if (forgotten.has(id)) continue;
      if (this.local.isOnline(id, now)) upserts.push(id);
    }
    // Hosts with a row and no traffic: those whose grace ran out have left this replica.
    for (const id of this.rowed) {
      if (!forgotten.has(id) && !this.local.isOnline(id, now)) deletes.push(id);
    }
    return { upserts, deletes };
  }

  private _mirror(rows: readonly { host_id: string; contact_ms: number }[]): void {
    const next = new Map(rows.map((r) => [r.host_id, r.contact_ms]));
    for (const id of this.elsewhere.keys()) if (!next.has(id)) this.changedElsewhere.add(id);
    for (const [id, contact] of next) {
      if (!this.elsewhere.has(id)) this.changedElsewhere.add(id);
      this.lastContactElsewhere.set(id, contact);
    }
    this.elsewhere = next;
  }
}
