// Wakes across replicas. A wake for a poll held here goes straight to the listeners; any other is
// written to fleet_wakes and NOTIFYed with the host id as payload, in one statement. Every replica
// LISTENs on one connection and passes on wakes for the polls it holds. A NOTIFY is only a hint:
// on every (re)LISTEN and every reconcileMs a replica reads the wakes it may have missed, so a
// lost notification delays a wake by at most that long. A wake may so arrive twice; it only makes
// a poll look again.
import type { ConsolaInstance } from "consola";
import type { SqlClient } from "../../db/sql.ts";
import type { LocalPresence } from "../local-presence.ts";
import type { WakeListener } from "../types.ts";
import { WakeListeners } from "../wake-listeners.ts";
import { OutageLog } from "./outage-log.ts";

export const WAKE_CHANNEL = "fleet_wake";
/** Catch-up rereads this far back: a transaction that wrote a wake may commit after later ones. */
const LOOKBACK_MS = 30_000;
/** Wakes are kept this long; a replica cut off for longer wakes every poll it holds instead. */
const KEPT_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;

const PUBLISH = `WITH w AS (INSERT INTO fleet_wakes (host_id) VALUES ($1) RETURNING host_id)
SELECT pg_notify('${WAKE_CHANNEL}', host_id) FROM w`;
const CLOCK = "SELECT (extract(epoch FROM now()) * 1000)::float8 AS now_ms";
const SINCE = `WITH clock AS (${CLOCK})
SELECT clock.now_ms, w.seq::text AS seq, w.host_id, (extract(epoch FROM w.at) * 1000)::float8 AS at_ms
FROM clock LEFT JOIN fleet_wakes w ON w.at > to_timestamp($1::float8 / 1000)`;

interface SinceRow {
  now_ms: number;
  seq: string | null;
  host_id: string | null;
  at_ms: number | null;
}

export class WakeRelay {
  private readonly listeners = new WakeListeners();
  /** Database time up to which wakes were read; null until the first LISTEN is in place. */
  private caughtUpTo: number | null = null;
  /** Wakes catch-up passed on, by seq, with their time: one reread within the lookback is skipped. */
  private readonly delivered = new Map<string, number>();
  private catchingUp: Promise<void> | null = null;
  private again = false;
  private prunedAt = 0;
  private readonly outage: OutageLog;

  constructor(
    private readonly sql: SqlClient,
    private readonly local: LocalPresence,
    log: ConsolaInstance,
  ) {
    this.outage = new OutageLog(log, "catching up on wakes");
  }

  async start(): Promise<void> {
    await this.sql.listen(
      WAKE_CHANNEL,
      (hostId) => this.deliver(hostId),
      () => void this.catchUp(),
    );
  }

  wake(hostId: string): void {
    if (this.local.holds(hostId)) {
      this.listeners.emit(hostId);
      return;
    }
    // Not retried: the next catch-up cannot find a wake that was never written.
    this.sql.query(PUBLISH, [hostId]).catch((err) => this.outage.failed(err, `waking host ${hostId}`));
  }

  onWake(listener: WakeListener): () => void {
    return this.listeners.add(listener);
  }

  /** Reads the wakes since the last catch-up; calls during one coalesce into one more. */
  catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.again = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      try {
        do {
          this.again = false;
          await this._readSince();
        } while (this.again);
        this.outage.ok();
      } catch (err) {
        this.outage.failed(err);
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  private deliver(hostId: string): void {
    if (this.local.holds(hostId)) this.listeners.emit(hostId);
  }

  private async _readSince(): Promise<void> {
    const from = this.caughtUpTo;
    if (from === null) {
      // The first LISTEN: the polls held from now on look for themselves when they start.
      const [clock] = await this.sql.query<{ now_ms: number }>(CLOCK);
      this.caughtUpTo = clock!.now_ms;
      return;
    }
    const rows = await this.sql.query<SinceRow>(SINCE, [from - LOOKBACK_MS]);
    const now = rows[0]!.now_ms;
    this.caughtUpTo = now;
    if (now - from > KEPT_MS) {
      for (const hostId of [...this.local.heldHosts()]) this.listeners.emit(hostId);
    } else {
      for (const row of rows) {
        if (row.seq === null || this.delivered.has(row.seq)) continue;
        this.delivered.set(row.seq, row.at_ms!);
        this.deliver(row.host_id!);
      }
    }
    // Older than the next read reaches back: never read again.
    for (const [seq, at] of this.delivered) if (at <= now - LOOKBACK_MS) this.delivered.delete(seq);
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.sql.query(
        "DELETE FROM fleet_wakes WHERE at < now() - make_interval(secs => $1::float8 / 1000)",
        [KEPT_MS],
      );
    }
  }
}
