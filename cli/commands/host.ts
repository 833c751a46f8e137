// `fleetctl host <id|name>`: one host's identity, agent, presence and its recent jobs.
import { type Host, HostDetail } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatJobsTable } from "../format/jobs.ts";
import { formatFields } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";
import { resolveHostRefs } from "../resolve-host.ts";
import { formatPlatform, formatVersion } from "./hosts.ts";

export function formatHostDetail(host: Host, now = Date.now()): string {
  const os = host.os ? [host.os.name, host.os.release, host.os.distro].filter(Boolean).join(" ") : "-";
  return formatFields([
    ["Name", host.name],
    ["ID", host.id],
    ["Status", host.online ? paint.green("online") : paint.red("offline")],
    ["Last seen", host.lastSeen ? `${relativeTime(host.lastSeen, now)} (${host.lastSeen})` : "never"],
    ["Version", formatVersion(host)],
    ["SHA-256", host.sha256 ?? "-"],
    ["Platform", formatPlatform(host)],
    ["OS", os],
    ["Hostname", host.hostname ?? "-"],
    ["Agent PID", host.pid === null ? "-" : String(host.pid)],
    ["Boot ID", host.bootId ?? "-"],
    ["Enrolled", host.enrolledAt],
    ["Running job", host.runningJobId ?? "-"],
  ]);
}

export default defineFleetCommand({
  meta: { name: "host", description: "Show one host's details and recent jobs (by id or name)" },
  args: {
    host: { type: "positional", description: "host id or name", required: true },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl host web1", "fleetctl host web1 --json | jq .host.version"],
  async run({ args }) {
    const client = clientFromArgs(args);
    const [host] = await resolveHostRefs(client, [args.host]);
    const detail = await client.request("getHost", HostDetail, { params: { id: host!.id } });
    if (args.json) return printJson(detail);
    printText(formatHostDetail(detail.host));
    if (detail.recentJobs.length === 0) return printText("\nNo jobs yet.");
    const names = new Map([[detail.host.id, detail.host.name]]);
    printText(`\nRecent jobs:\n${formatJobsTable(detail.recentJobs, names)}`);
  },
});
