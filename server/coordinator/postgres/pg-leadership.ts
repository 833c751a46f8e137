// One singleton task's leadership on a replica: a session advisory lock on the replica's leader
// session (leader-session.ts). Taking the lock bumps the task's fencing epoch. Every tick a leader
// checks in pg_locks that its session still holds the lock and that no newer epoch exists; the
// others try to take it. A leader whose session closes, or whose check has not succeeded within
// the lease (3 ticks), stops at once and stands back for 2 ticks, so a healthy replica takes over.
// The server frees the lock of a vanished session within its keepalive timeout (~11 s), later than
// the lease: a leader cut off has stopped before another can start.
import type { ConsolaInstance } from "consola";
import { LOCK_NAMESPACE, leaderLockKey } from "../../db/advisory-locks.ts";
import type { SqlQueries } from "../../db/sql.ts";
import type { Leadership, LeaderTerm, SingletonTask } from "../types.ts";

const TRY_LOCK = "SELECT pg_try_advisory_lock($1::int, $2::int) AS got, pg_backend_pid() AS pid";
const UNLOCK = "SELECT pg_advisory_unlock($1::int, $2::int)";
const BUMP_EPOCH = `INSERT INTO fleet_leader_epochs AS e (task, epoch) VALUES ($1, 1)
ON CONFLICT (task) DO UPDATE SET epoch = e.epoch + 1 RETURNING epoch::float8 AS epoch`;
const CHECK = `SELECT pg_backend_pid() AS pid,
  EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid
    AND objid = $2::int::oid AND objsubid = 2 AND pid = pg_backend_pid() AND granted) AS held,
  (SELECT epoch::float8 FROM fleet_leader_epochs WHERE task = $3) AS epoch`;

interface HeldTerm {
  epoch: number;
  /** The backend that took the lock: another one after a reconnect does not hold it. */
  pid: number;
  controller: AbortController;
  /** When the last check that succeeded was sent. */
  confirmedAt: number;
}

export class PgLeadership implements Leadership {
  private held: HeldTerm | null = null;
  /** A replica that just lost a lead stands back till then: another, healthy one should take it. */
  private restUntil = 0;
  private readonly key: number;

  constructor(
    readonly task: SingletonTask,
    private readonly session: SqlQueries,
    private readonly checkMs: number,
    private readonly log: ConsolaInstance,
  ) {
    this.key = leaderLockKey(task);
  }

  isLeader(): boolean {
    const held = this.held;
    if (!held) return false;
    if (Date.now() - held.confirmedAt <= this.leaseMs) return true;
    this.lose(`its lock was not confirmed for ${this.leaseMs} ms`);
    return false;
  }

  term(): LeaderTerm | null {
    return this.isLeader() ? { epoch: this.held!.epoch, signal: this.held!.controller.signal } : null;
  }

  /** A leader confirms its lock; the others try to take it. */
  async tick(): Promise<void> {
    try {
      if (this.held) await this._confirm(this.held);
      else await this._tryAcquire();
    } catch (err) {
      this.lose(`checking its lock failed: ${(err as Error).message}`);
    }
  }

  /** Ends the term now; `expected` (the replica closing) is logged as news, not as a warning. */
  lose(why: string, expected = false): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    if (!expected) this.restUntil = Date.now() + 2 * this.checkMs;
    held.controller.abort(new Error(why));
    this.log[expected ? "info" : "warn"](`no longer leads ${this.task} (epoch ${held.epoch}): ${why}`);
    // A session that is slow rather than gone may still hold the lock: give it back. On a new
    // session this only warns, and the server drops the lock with a closed one anyway.
    this.session.query(UNLOCK, [LOCK_NAMESPACE, this.key]).catch(() => {});
  }

  private async _confirm(held: HeldTerm): Promise<void> {
    const sentAt = Date.now();
    const [row] = await this.session.query<{ pid: number; held: boolean; epoch: number | null }>(CHECK, [
      LOCK_NAMESPACE,
      this.key,
      this.task,
    ]);
    if (this.held !== held) return;
    if (row?.pid !== held.pid) this.lose("its database session was replaced");
    else if (!row.held) this.lose("its session no longer holds the lock");
    else if (row.epoch !== held.epoch) this.lose(`a newer term (epoch ${row.epoch}) began`);
    else held.confirmedAt = sentAt;
  }

  private get leaseMs(): number {
    return 3 * this.checkMs;
  }

  private async _tryAcquire(): Promise<void> {
    if (Date.now() < this.restUntil) return;
    const sentAt = Date.now();
    const [row] = await this.session.query<{ got: boolean; pid: number }>(TRY_LOCK, [
      LOCK_NAMESPACE,
      this.key,
    ]);
    if (!row?.got) return;
    let epoch: number;
    try {
      const [bumped] = await this.session.query<{ epoch: number }>(BUMP_EPOCH, [this.task]);
      epoch = bumped!.epoch;
    } catch (err) {
      await this.session.query(UNLOCK, [LOCK_NAMESPACE, this.key]).catch(() => {});
      throw err;
    }
    this.held = { epoch, pid: row.pid, controller: new AbortController(), confirmedAt: sentAt };
    this.log.info(`leads ${this.task} (epoch ${epoch})`);
  }
}
