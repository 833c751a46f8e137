// One rule for naming a host's config report: the agent sends the hash alone when its state is
// the one fleetd acknowledged, and fleetd compares it with the hash of the report it stored
// (server/store/records/host-report.ts, encodeReport: SHA-256 of the JSON of HostState.parse).
// Checked here with HostState's JSON Schema, which gives zod's result (unknown keys dropped,
// defaults filled, keys in the schema's order) without loading zod in the agent.
import { jsonChecker } from "../../lib/json-schema-check.ts";
import { sha256Hex } from "../../lib/sha256-file.ts";
import type { HostState } from "../../protocol/config-state.ts";
import { jsonSchema } from "../schema-macro.ts" with { type: "macro" };

const HOST_STATE = jsonChecker(() => jsonSchema("HostState"));

/**
 * SHA-256 of the report as JSON after the schema check. A state the schema refuses, which fleetd
 * would refuse too, is hashed as it is: the hash still tells it apart.
 */
export function hostStateHash(state: HostState): string {
  const checked = HOST_STATE.safeParse(state);
  return sha256Hex(JSON.stringify(checked.success ? checked.data : state));
}
