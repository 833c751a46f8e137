// What the PostgreSQL tests share: one throwaway cluster per test file, a fresh database per test,
// and replicas opened with short timings (each test says where it needs the defaults).
import { afterAll, afterEach, beforeAll } from "bun:test";
import { createConsola } from "consola";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  PostgresCoordinator,
  type PostgresCoordinatorOptions,
  type PostgresTimings,
} from "../../server/coordinator/postgres/coordinator.ts";
import { type TestDatabase, TestPostgres } from "../harness/postgres.ts";

export const noPostgres = tierSkipReason("postgres");

/** Catch-up only on reLISTEN unless a test asks for reconciling. */
export const FAST: PostgresTimings = {
  heartbeatMs: 250,
  replicaDeadAfterMs: 2_500,
  leaderCheckMs: 300,
  reconcileMs: 60_000,
};

/** Starts the file's cluster (unless the tier is skipped) and closes every replica after each test. */
export function usePostgres(): { pg: () => TestPostgres; freshDatabase: () => Promise<TestDatabase> } {
  let pg: TestPostgres | undefined;
  let databases = 0;
  beforeAll(async () => {
    if (noPostgres === null) pg = await TestPostgres.start();
  });
  afterEach(closeReplicas);
  afterAll(async () => {
    await closeReplicas();
    await pg?.stop();
  });
  return {
    pg: () => pg!,
    freshDatabase: () => pg!.createDatabase(`test_${++databases}`),
  };
}

const _open: PostgresCoordinator[] = [];

export interface Replica {
  coordinator: PostgresCoordinator;
  /** Its log lines, "level message". */
  lines: string[];
}

export async function openReplica(
  url: string,
  replicaId: string,
  options: Partial<Omit<PostgresCoordinatorOptions, "url" | "replicaId">> = {},
): Promise<Replica> {
  const lines: string[] = [];
  const log = createConsola({
    level: 5,
    reporters: [{ log: (entry) => void lines.push(`${entry.type} ${entry.args.map(String).join(" ")}`) }],
  });
  const coordinator = await PostgresCoordinator.open({
    url,
    replicaId,
    offlineGraceMs: 1_000,
    log,
    ...options,
    timings: { ...FAST, ...options.timings },
  });
  _open.push(coordinator);
  return { coordinator, lines };
}

async function closeReplicas(): Promise<void> {
  await Promise.all(_open.splice(0).map((c) => c.close()));
}
