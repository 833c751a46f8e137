// `fleetctl alerts`: what needs an operator's attention (failed updates, halted rollouts).
import type { Alert } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatTable } from "../format/table.ts";
import { printJson, printText } from "../output.ts";

export function formatAlertsTable(alerts: readonly Alert[]): string {
  const rows = alerts.map((a) => [
    a.raisedAt,
    a.kind,
    a.subject,
    a.resolvedAt ? "resolved" : "open",
    a.message,
  ]);
  return formatTable(["RAISED", "KIND", "SUBJECT", "STATE", "MESSAGE"], rows);
}

export default defineFleetCommand({
  meta: { name: "alerts", description: "Show open alerts (with --all, resolved ones too)" },
  args: {
    all: { type: "boolean", description: "include resolved alerts" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl alerts", "fleetctl alerts --all --json"],
  async run({ args }) {
    const list = await clientFromArgs(args).call("listAlerts", {
      query: { all: args.all ? "1" : undefined },
    });
    if (args.json) return printJson(list);
    printText(list.alerts.length ? formatAlertsTable(list.alerts) : "No open alerts.");
  },
});
