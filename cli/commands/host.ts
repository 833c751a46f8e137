// `fleetctl host <id|name>`: one host's identity, agent, presence and its recent jobs.
// `fleetctl host revoke <id|name>`: invalidate the host's token (a lost or retired machine).
// "revoke" is read as a verb only when a host follows it, so a host named "revoke" still shows.
import { type Host, HostDetail, HostResponse } from "../../protocol/index.ts";
import type { ApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
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
    ...(host.revokedAt ? [["Revoked", paint.red(host.revokedAt)] as [string, string]] : []),
  ]);
}

async function _revoke(client: ApiClient, ref: string, json: boolean | undefined): Promise<void> {
  const [target] = await resolveHostRefs(client, [ref]);
  const { host } = await client.request("revokeHost", HostResponse, { params: { id: target!.id } });
  if (json) return printJson({ host });
  printText(
    `revoked ${host.name} (${host.id}): fleetd refuses its token from now on; its jobs were ended. ` +
      "To bring it back, enroll it again.",
  );
}

export default defineFleetCommand({
  meta: {
    name: "host",
    description: "Show one host's details and recent jobs, or `host revoke <host>` to revoke its token",
  },
  args: {
    host: { type: "positional", description: "host id or name, or `revoke`", required: true },
    target: { type: "positional", description: "after `revoke`: the host id or name", required: false },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: [
    "fleetctl host web1",
    "fleetctl host web1 --json | jq .host.version",
    "fleetctl host revoke web1",
  ],
  async run({ args }) {
    const client = clientFromArgs(args);
    if (args.target !== undefined) {
      if (args.host !== "revoke")
        throw new CliError(
          `unknown action "${args.host}"; did you mean: fleetctl host revoke ${args.target}`,
        );
      return _revoke(client, args.target, args.json);
    }
    const [host] = await resolveHostRefs(client, [args.host]);
    const detail = await client.request("getHost", HostDetail, { params: { id: host!.id } });
    if (args.json) return printJson(detail);
    printText(formatHostDetail(detail.host));
    if (detail.recentJobs.length === 0) return printText("\nNo jobs yet.");
    const names = new Map([[detail.host.id, detail.host.name]]);
    printText(`\nRecent jobs:\n${formatJobsTable(detail.recentJobs, names)}`);
  },
});
