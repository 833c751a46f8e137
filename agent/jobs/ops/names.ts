// The ops this agent runs, by name, for its hello: apart from their implementations (./index.ts),
// which only a runner loads. Total like the table there: a new op does not compile until it is here.
import type { Operation } from "../../../protocol/job-ops.ts";

const RUNS = {
  pull: true,
  switch: true,
  test: true,
  restart: true,
  update: true,
  deploy: true,
  rollback: true,
} as const satisfies Record<Operation, true>;

/** What hello tells fleetd this agent runs: every op there is. */
export const AGENT_OPS = Object.keys(RUNS) as Operation[];
