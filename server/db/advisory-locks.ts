// Every PostgreSQL advisory lock fleetd takes, as (namespace, key) pairs in one namespace of its
// own, so they cannot collide with another application's locks in a shared database.
import { SINGLETON_TASKS, type SingletonTask } from "../coordinator/types.ts";

/** "flee" in ASCII: fits the int4 that pg_advisory_lock(int, int) takes. */
export const LOCK_NAMESPACE = 0x666c6565;

/** Held while migrations are applied (transaction-level). */
export const MIGRATION_LOCK_KEY = 0;

/** Held by the leader of the task for as long as it leads (session-level). */
export const leaderLockKey = (task: SingletonTask): number => SINGLETON_TASKS.indexOf(task) + 1;
