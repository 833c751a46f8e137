// Brings a database's schema up to this fleetd's: the numbered migrations it lacks, in order, each
// in its own transaction under one advisory lock, so replicas starting together apply each once.
// A migration only adds to the schema, so the previous release keeps running beside it (a rolling
// upgrade), and a database a newer fleetd migrated is left as it is.
import { LOCK_NAMESPACE, MIGRATION_LOCK_KEY } from "./advisory-locks.ts";
import coordinator from "./migrations/001-coordinator.sql" with { type: "text" };
import type { SqlClient, SqlQueries } from "./sql.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: "coordinator", sql: coordinator }];

const HISTORY = `CREATE TABLE IF NOT EXISTS fleet_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Applies what is missing; returns the versions this call applied. */
export async function migrate(client: SqlClient, migrations = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await client.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, MIGRATION_LOCK_KEY]);
      await tx.script(HISTORY);
      if (await _isApplied(tx, migration.version)) return false;
      try {
        await tx.script(migration.sql);
      } catch (err) {
        throw new Error(
          `migration ${migration.version} (${migration.name}) failed, and nothing of it was applied: ${(err as Error).message}`,
        );
      }
      await tx.query("INSERT INTO fleet_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}

async function _isApplied(tx: SqlQueries, version: number): Promise<boolean> {
  const rows = await tx.query<{ version: number }>(
    "SELECT version FROM fleet_migrations WHERE version = $1",
    [version],
  );
  return rows.length > 0;
}
