// Leader election for the singleton tasks: one advisory lock per task (pg-leadership.ts), all on
// one connection kept for them: never recycled, TCP keepalives both ways. A statement that does not
// answer within the lease gives the connection up for a new one; the leads on it end at once.
import type { ConsolaInstance } from "consola";
import type { SqlClient, SqlQueries, SqlValue } from "../../db/sql.ts";
import type { SingletonTask } from "../types.ts";
import { PgLeadership } from "./pg-leadership.ts";

/** Opens a one-connection client; `onClose` is told when its connection closes. */
export type OpenSession = (onClose: () => void) => SqlClient;

export class LeaderSession {
  private readonly leaderships = new Map<SingletonTask, PgLeadership>();
  private ticking: Promise<void> | null = null;
  private session: SqlClient;
  private readonly queries: SqlQueries;

  constructor(
    private readonly openSession: OpenSession,
    private readonly checkMs: number,
    private readonly log: ConsolaInstance,
  ) {
    this.session = this._open();
    this.queries = {
      query: (text, params) => this._query(text, params),
      script: (text) => this.session.script(text),
    };
  }

  leadership(task: SingletonTask): PgLeadership {
    let handle = this.leaderships.get(task);
    if (!handle) {
      handle = new PgLeadership(task, this.queries, this.checkMs, this.log);
      this.leaderships.set(task, handle);
    }
    return handle;
  }

  /** One pass over every task; a pass still running (a slow database) is not doubled. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        for (const handle of this.leaderships.values()) await handle.tick();
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  async close(): Promise<void> {
    await this.ticking;
    for (const handle of this.leaderships.values()) handle.lose("the replica is closing", true);
    await this.session.close();
  }

  private _open(): SqlClient {
    const session: SqlClient = this.openSession(() => {
      if (this.session === session) this._ended("its database session closed");
    });
    return session;
  }

  private _ended(why: string): void {
    for (const handle of this.leaderships.values()) handle.lose(why);
  }

  private async _query<Row extends object>(text: string, params?: readonly SqlValue[]): Promise<Row[]> {
    const session = this.session;
    const leaseMs = 3 * this.checkMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`its session did not answer within ${leaseMs} ms`)), leaseMs);
    });
    try {
      return await Promise.race([session.query<Row>(text, params), timedOut]);
    } catch (err) {
      if (this.session === session && (err as Error).message.startsWith("its session did not answer")) {
        // Whatever waits behind the stuck statement would wait too: start over on a new connection.
        this.session = this._open();
        this._ended((err as Error).message);
        session.close().catch(() => {});
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
