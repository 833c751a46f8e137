// The SqlClient over the `postgres` package: the one file that knows it. Connections are never
// recycled (a session-level advisory lock must stay on its connection) and carry TCP keepalives
// both ways, so a peer that vanished without closing is noticed in seconds, not hours.
import postgres from "postgres";
import {
  parseDatabaseUrl,
  type SqlClient,
  type SqlClientOptions,
  type SqlQueries,
  type SqlValue,
} from "./sql.ts";

/** Client side: first keepalive probe after this many idle seconds. */
const KEEPALIVE_SECONDS = 5;
/** Server side: the backend probes its client the same way, and gives up after 5 + 3 × 2 s. */
const SERVER_KEEPALIVES = {
  tcp_keepalives_idle: 5,
  tcp_keepalives_interval: 2,
  tcp_keepalives_count: 3,
  /** Unacknowledged writes to the client are abandoned after this many ms. */
  tcp_user_timeout: 10_000,
};

export function openPostgres(url: string, options: SqlClientOptions): SqlClient {
  parseDatabaseUrl(url);
  const sql = postgres(url, {
    max: options.connections ?? 4,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 10,
    keep_alive: KEEPALIVE_SECONDS,
    onnotice: () => {},
    onclose: () => options.onClose?.(),
    connection: { application_name: options.name, ...SERVER_KEEPALIVES },
  });
  return {
    ..._queries(sql),
    transaction: (work) => sql.begin((tx) => work(_queries(tx))) as Promise<Awaited<ReturnType<typeof work>>>,
    async listen(channel, onNotify, onListen) {
      await sql.listen(channel, onNotify, onListen);
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

function _queries(sql: postgres.Sql | postgres.TransactionSql): SqlQueries {
  return {
    async query<Row extends object>(text: string, params: readonly SqlValue[] = []) {
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
      return rows as unknown as Row[];
    },
    async script(text: string) {
      await sql.unsafe(text);
    },
  };
}
