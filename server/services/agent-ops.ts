// Which ops a host's agent runs, as its last hello said (an agent from before `deploy` sends no
// list and runs LEGACY_AGENT_OPS). fleetd never queues an op the agent would not know.
import { LEGACY_AGENT_OPS } from "../../protocol/agent.ts";
import type { Operation } from "../../protocol/job-ops.ts";
import type { HostRecord } from "../store/records/host.ts";

export function agentOps(host: Readonly<HostRecord>): readonly string[] {
  return host.ops ?? LEGACY_AGENT_OPS;
}

/** Why `op` cannot be sent to the host's agent, or null when it can. */
export function agentOpRefusal(host: Readonly<HostRecord>, op: Operation): string | null {
  if (agentOps(host).includes(op)) return null;
  if (!host.version) {
    return `host ${host.name} has never said hello, so fleetd cannot tell whether its agent can ${op}; start its agent first`;
  }
  return `agent ${host.version} on ${host.name} cannot ${op}; update it first (fleetctl update)`;
}
