// `fleetctl audit`: who did what to which host or job, newest first as fleetd returns it.
import { type AuditEntry, AuditList } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatTable } from "../format/table.ts";
import { printJson, printText } from "../output.ts";
import { parseLimit } from "./jobs.ts";

const MAX_DETAILS_WIDTH = 80;

export function formatAuditTable(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) => {
    const details = e.details ? JSON.stringify(e.details) : "";
    const shown =
      details.length > MAX_DETAILS_WIDTH ? `${details.slice(0, MAX_DETAILS_WIDTH - 1)}…` : details;
    return [e.ts, e.actor, e.action, e.target ?? "", shown];
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
    const list = await clientFromArgs(args).request("listAudit", AuditList, { query: { limit } });
    if (args.json) return printJson(list);
    printText(list.entries.length ? formatAuditTable(list.entries) : "The audit log is empty.");
  },
});
