// `fleetctl audit`: who did what to which host or job, newest first as fleetd returns it.
import type { AuditEntry } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatTable } from "../format/table.ts";
import { printJson, printText } from "../output.ts";
import { hostNames } from "../resolve-host.ts";
import { parseLimit } from "./jobs.ts";

/** A host by its name while it is enrolled; anything else (jobs, rollouts, deleted hosts) by id. */
const _named = (id: string, names: ReadonlyMap<string, string>) => names.get(id) ?? id;

/** Details whole, as key=value pairs: cut short they could hide the one value that mattered. */
export function formatAuditDetails(
  details: AuditEntry["details"],
  names: ReadonlyMap<string, string>,
): string {
  if (!details) return "";
  return Object.entries(details)
    .map(([key, value]) => {
      if (key === "hostId" && typeof value === "string") return `host=${_named(value, names)}`;
      return `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`;
    })
    .join(" ");
}

/** `names` maps host ids to names: targets and actors that are hosts are shown by name. */
export function formatAuditTable(
  entries: readonly AuditEntry[],
  names: ReadonlyMap<string, string> = new Map(),
): string {
  const rows = entries.map((e) => {
    const actor = e.actor.startsWith("host:")
      ? `host:${names.get(e.actor.slice(5)) ?? e.actor.slice(5)}`
      : e.actor;
    return [
      e.ts,
      actor,
      e.action,
      e.target ? _named(e.target, names) : "",
      formatAuditDetails(e.details, names),
    ];
  });
  return formatTable(["TIME", "ACTOR", "ACTION", "TARGET", "DETAILS"], rows);
}

export default defineFleetCommand({
  meta: { name: "audit", description: "Show the audit log: enrollments, jobs, cancels, token use" },
  args: {
    limit: { type: "string", description: "at most this many entries" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: [
    "fleetctl audit --limit 20",
    "fleetctl audit --json | jq '.entries[] | select(.action == \"job.created\")'",
  ],
  async run({ args }) {
    const limit = parseLimit(args.limit);
    const client = clientFromArgs(args);
    const list = await client.call("listAudit", { query: { limit } });
    if (args.json) return printJson(list);
    if (!list.entries.length) return printText("The audit log is empty.");
    printText(formatAuditTable(list.entries, await hostNames(client)));
  },
});
