// The little fleetd asks of a PostgreSQL client, so the driver behind it can change: today the
// `postgres` package (postgres-js.ts); Bun's built-in SQL client once its LISTEN and transaction
// bugs are fixed. Statements are text with $1, $2 … parameters, which both clients take as is.

export type SqlValue = string | number | boolean | null | readonly string[];

export interface SqlQueries {
  query<Row extends object>(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Several statements in one text, without parameters (a migration). */
  script(text: string): Promise<void>;
}

export interface SqlClient extends SqlQueries {
  /** Runs `work` in one transaction on one connection: committed if it resolves, else rolled back. */
  transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T>;
  /**
   * LISTENs on `channel` on a connection kept for it, reconnecting when it breaks. `onListen` runs
   * each time the LISTEN is in place again: what was notified meanwhile was not heard.
   */
  listen(channel: string, onNotify: (payload: string) => void, onListen: () => void): Promise<void>;
  close(): Promise<void>;
}

export interface SqlClientOptions {
  /** How its connections show in pg_stat_activity (application_name). */
  name: string;
  /** Connections at most; 1 makes a session of its own, as session-level locks need. */
  connections?: number;
  /** A connection closed: broken, terminated by the server, or closed here. */
  onClose?: () => void;
}

/** The URL as logs may show it: without its password. */
export function describeDatabase(url: string): string {
  const parsed = parseDatabaseUrl(url);
  parsed.password = "";
  return parsed.toString();
}

/** The URL, or a clear error for anything that is not a postgres:// or postgresql:// URL. */
export function parseDatabaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the database must be a URL like postgres://user@host:5432/fleet, not "${url}"`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new Error(
      `the database URL must start with postgres:// or postgresql://, not ${parsed.protocol}// (${describeWithout(parsed)})`,
    );
  if (!parsed.hostname) throw new Error(`the database URL names no host: ${describeWithout(parsed)}`);
  return parsed;
}

function describeWithout(parsed: URL): string {
  const copy = new URL(parsed.toString());
  copy.password = "";
  return copy.toString();
}
