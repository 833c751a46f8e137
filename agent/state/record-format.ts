// The format of the runner's records (agent/state/records.ts, agent/file-schemas.ts).

/** Written into every record; a record of another version reads as absent. */
export const RECORD_VERSION = 1;
/** Generations whose commit is remembered: more than the 20 HostState lists, for rollbacks. */
export const MAX_BUILT_FROM = 50;
