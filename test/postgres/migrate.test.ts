// The schema step and what the PostgreSQL coordinator refuses: replicas migrating at once apply
// each migration once; a failing migration leaves nothing of itself; bad URLs, replica ids and
// timings are refused before anything connects; an unreachable database is named, password left out.
import { describe, expect, test } from "bun:test";
import { PostgresCoordinator } from "../../server/coordinator/postgres/coordinator.ts";
import { MIGRATIONS, migrate } from "../../server/db/migrate.ts";
import { openPostgres } from "../../server/db/postgres-js.ts";
import { freePort } from "../harness/index.ts";
import { noPostgres, usePostgres } from "./replicas.ts";

const { freshDatabase } = usePostgres();

const TABLES = "SELECT tablename FROM pg_tables WHERE tablename LIKE 'fleet%' ORDER BY tablename";

test("migrations are numbered 1, 2, … in order", () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
});

describe.skipIf(noPostgres !== null)("migrations", () => {
  test("three replicas migrating at once apply each migration once", async () => {
    const db = await freshDatabase();
    const clients = [1, 2, 3].map((i) => openPostgres(db.url, { name: `migrate ${i}` }));
    try {
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      expect(applied.flat()).toEqual([1]);
      expect(await db.sql("SELECT version, name FROM fleet_migrations")).toEqual([
        { version: 1, name: "coordinator" },
      ]);
      expect((await db.sql<{ tablename: string }>(TABLES)).map((t) => t.tablename)).toEqual([
        "fleet_leader_epochs",
        "fleet_migrations",
        "fleet_presence",
        "fleet_replicas",
        "fleet_wakes",
      ]);
      expect(await migrate(clients[0]!)).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  test("a failing migration names itself, and nothing of it is applied", async () => {
    const db = await freshDatabase();
    const client = openPostgres(db.url, { name: "migrate" });
    try {
      const broken = {
        version: 2,
        name: "broken",
        sql: "CREATE TABLE fleet_half (id int);\nSELECT no_such_column;",
      };
      await expect(migrate(client, [...MIGRATIONS, broken])).rejects.toThrow(
        'migration 2 (broken) failed, and nothing of it was applied: column "no_such_column" does not exist',
      );
      expect(await db.sql("SELECT version FROM fleet_migrations")).toEqual([{ version: 1 }]);
      expect(await db.sql("SELECT tablename FROM pg_tables WHERE tablename = 'fleet_half'")).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe("what the PostgreSQL coordinator refuses", () => {
  const open = (url: string, extra: Partial<Parameters<typeof PostgresCoordinator.open>[0]> = {}) =>
    PostgresCoordinator.open({ url, offlineGraceMs: 10_000, ...extra });

  test("a database that is not a postgres:// URL", async () => {
    await expect(open("fleet-db")).rejects.toThrow(
      'the database must be a URL like postgres://user@host:5432/fleet, not "fleet-db"',
    );
    await expect(open("mysql://fleet:pw@db/fleet")).rejects.toThrow(
      "the database URL must start with postgres:// or postgresql://, not mysql:// (mysql://fleet@db/fleet)",
    );
  });

  test("a replica id that cannot name it in logs and rows", async () => {
    await expect(open("postgres://fleet@127.0.0.1/fleet", { replicaId: "two words" })).rejects.toThrow(
      'replica id "two words" must be 1-100 letters, digits, dots, dashes or underscores',
    );
  });

  test("timings under which live replicas would count as dead", async () => {
    await expect(
      open("postgres://fleet@127.0.0.1/fleet", {
        timings: { heartbeatMs: 5_000, replicaDeadAfterMs: 6_000 },
      }),
    ).rejects.toThrow("replicaDeadAfterMs (6000) must be at least twice heartbeatMs (5000)");
    await expect(
      open("postgres://fleet@127.0.0.1/fleet", { timings: { leaderCheckMs: 0.5 } }),
    ).rejects.toThrow("leaderCheckMs must be a whole number of ms, at least 10 (got 0.5)");
  });

  test("a database nobody answers at is named in the error, without its password", async () => {
    const port = await freePort();
    const error = await open(`postgres://fleet:s3cret@127.0.0.1:${port}/fleet`).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toStartWith(
      `cannot coordinate through PostgreSQL at postgres://fleet@127.0.0.1:${port}/fleet: `,
    );
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).not.toContain("s3cret");
  });
});
