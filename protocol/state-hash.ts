// One rule for naming a host's config report, used on both ends: the agent sends the hash alone
// when its state is the one fleetd acknowledged, and fleetd compares it with the hash of the
// report it stored (server/store/records/host-report.ts hashes the same JSON). JSON in the
// schema's key order, so how the agent happened to build the object does not matter.
import { createHash } from "node:crypto";
import { HostState } from "./config-state.ts";

/**
 * SHA-256 of the report as JSON after the schema parse (keys in the schema's order). A state the
 * schema refuses, which fleetd would refuse too, is hashed as it is: the hash still tells it apart.
 */
export function hostStateHash(state: HostState): string {
  const parsed = HostState.safeParse(state);
  return createHash("sha256")
    .update(JSON.stringify(parsed.success ? parsed.data : state))
    .digest("hex");
}
