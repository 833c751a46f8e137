// The coordinator of several fleetd replicas on one PostgreSQL database: wakes through
// LISTEN/NOTIFY with catch-up (wake-relay.ts), leaders by session advisory locks with fencing
// epochs (leader-session.ts), presence through heartbeats (shared-presence.ts). Each replica uses
// three connections: a pool for its writes and reads, one that LISTENs, one holding its locks.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type ConsolaInstance, consola } from "consola";
import { migrate } from "../../db/migrate.ts";
import { openPostgres } from "../../db/postgres-js.ts";
import { describeDatabase, parseDatabaseUrl, type SqlClient } from "../../db/sql.ts";
import {
  type Coordinator,
  type Leadership,
  SINGLETON_TASKS,
  type SingletonTask,
  type WakeListener,
} from "../types.ts";
import { LeaderSession } from "./leader-session.ts";
import { OutageLog } from "./outage-log.ts";
import { SharedPresence } from "./shared-presence.ts";
import { WakeRelay } from "./wake-relay.ts";

export interface PostgresTimings {
  /** Heartbeat and presence batch: this replica's share written, the others' read. */
  heartbeatMs: number;
  /** A replica silent this long is dead: its hosts are offline. Heartbeat + this < 15 s. */
  replicaDeadAfterMs: number;
  /** Leaders confirm their locks, and the others try to take them, this often. */
  leaderCheckMs: number;
  /** Wakes whose NOTIFY was not heard are caught up at least this often. */
  reconcileMs: number;
}

export const DEFAULT_POSTGRES_TIMINGS: PostgresTimings = {
  heartbeatMs: 2_000,
  replicaDeadAfterMs: 10_000,
  leaderCheckMs: 2_000,
  reconcileMs: 5_000,
};

export interface PostgresCoordinatorOptions {
  /** postgres://user:password@host:5432/database */
  url: string;
  /** Default: host name, process id and a random suffix. */
  replicaId?: string;
  offlineGraceMs: number;
  timings?: Partial<PostgresTimings>;
  log?: ConsolaInstance;
}

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export class PostgresCoordinator implements Coordinator {
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private closing: Promise<void> | null = null;
  /** Heartbeats run one after another: two at once could write a host's row out of order. */
  private lastBeat: Promise<void> = Promise.resolve();

  private constructor(
    readonly replicaId: string,
    readonly presence: SharedPresence,
    private readonly wakes: WakeRelay,
    private readonly leaders: LeaderSession,
    private readonly main: SqlClient,
    private readonly log: ConsolaInstance,
  ) {}

  /** Migrates the schema, registers this replica and takes whatever leads are free. */
  static async open(options: PostgresCoordinatorOptions): Promise<PostgresCoordinator> {
    const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`;
    const timings = _checkTimings({ ...DEFAULT_POSTGRES_TIMINGS, ...options.timings });
    if (!REPLICA_ID.test(replicaId))
      throw new Error(
        `replica id "${replicaId}" must be 1-100 letters, digits, dots, dashes or underscores, starting with a letter or digit`,
      );
    parseDatabaseUrl(options.url);
    const log = (options.log ?? consola).withTag(`replica ${replicaId}`);
    const main = openPostgres(options.url, { name: `fleetd ${replicaId}` });
    const leaders = new LeaderSession(
      (onClose) => openPostgres(options.url, { name: `fleetd ${replicaId} leader`, connections: 1, onClose }),
      timings.leaderCheckMs,
      log,
    );
    try {
      await migrate(main);
      const presence = new SharedPresence(replicaId, options, timings.replicaDeadAfterMs);
      await presence.beat(main);
      const wakes = new WakeRelay(main, presence.local, log);
      await wakes.start();
      for (const task of SINGLETON_TASKS) leaders.leadership(task);
      await leaders.tick();
      const coordinator = new PostgresCoordinator(replicaId, presence, wakes, leaders, main, log);
      coordinator._start(timings);
      return coordinator;
    } catch (err) {
      await Promise.all([main.close(), leaders.close()]).catch(() => {});
      throw new Error(
        `cannot coordinate through PostgreSQL at ${describeDatabase(options.url)}: ${(err as Error).message}`,
      );
    }
  }

  wake(hostId: string): void {
    this.wakes.wake(hostId);
  }

  onWake(listener: WakeListener): () => void {
    return this.wakes.onWake(listener);
  }

  leadership(task: SingletonTask): Leadership {
    return this.leaders.leadership(task);
  }

  /** Runs a heartbeat now, after any still running (they also run every heartbeatMs). */
  beat(): Promise<void> {
    const next = this.lastBeat.catch(() => {}).then(() => this.presence.beat(this.main));
    this.lastBeat = next;
    return next;
  }

  /** Checks or tries every lead now (also every leaderCheckMs). */
  checkLeads(): Promise<void> {
    return this.leaders.tick();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      // A heartbeat finishing after the leave would bring this replica back to life for a while.
      await this.lastBeat.catch(() => {});
      await this.leaders.close();
      await this.presence
        .leave(this.main)
        .catch((err) => this.log.warn(`leaving presence failed: ${err.message}`));
      await this.main.close();
    })();
    return this.closing;
  }

  private _start(timings: PostgresTimings): void {
    const heartbeat = new OutageLog(this.log, "the presence heartbeat");
    // A run still going when the next is due (PostgreSQL slow or away) is not doubled up.
    const every = (ms: number, work: () => Promise<void>) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        void work().finally(() => {
          running = false;
        });
      }, ms);
      timer.unref?.();
      this.timers.push(timer);
    };
    every(timings.heartbeatMs, () =>
      this.beat().then(
        () => heartbeat.ok(),
        (err) => heartbeat.failed(err),
      ),
    );
    every(timings.leaderCheckMs, () => this.leaders.tick());
    every(timings.reconcileMs, () => this.wakes.catchUp());
  }
}

function _checkTimings(timings: PostgresTimings): PostgresTimings {
  for (const [name, ms] of Object.entries(timings))
    if (!Number.isInteger(ms) || ms < 10)
      throw new Error(`${name} must be a whole number of ms, at least 10 (got ${ms})`);
  if (timings.replicaDeadAfterMs < 2 * timings.heartbeatMs)
    throw new Error(
      `replicaDeadAfterMs (${timings.replicaDeadAfterMs}) must be at least twice heartbeatMs (${timings.heartbeatMs}), or live replicas would count as dead`,
    );
  return timings;
}
