// `fleetctl hosts`: the fleet at a glance — who is online, on which version, doing what.
import { type Host, HostList } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { formatTable } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";

export function formatVersion(host: Host): string {
  if (!host.version) return "-";
  return host.outdated ? `${host.version} ${paint.yellow("(outdated)")}` : host.version;
}

export function formatPlatform(host: Host): string {
  return host.platform && host.arch ? `${host.platform}/${host.arch}` : "-";
}

export function formatHostsTable(hosts: readonly Host[], now = Date.now()): string {
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const rows = sorted.map((host) => [
    host.name,
    host.id,
    host.revokedAt ? paint.red("revoked") : host.online ? paint.green("online") : paint.red("offline"),
    formatVersion(host),
    formatPlatform(host),
    relativeTime(host.lastSeen, now),
    host.runningJobId ?? "-",
  ]);
  return formatTable(["NAME", "ID", "STATUS", "VERSION", "PLATFORM", "LAST SEEN", "RUNNING JOB"], rows);
}

export default defineFleetCommand({
  meta: {
    name: "hosts",
    description: "List enrolled hosts: online or not, agent version, platform, last seen",
  },
  args: { ...jsonArg, ...connectionArgs },
  examples: ["fleetctl hosts", "fleetctl hosts --json | jq -r '.hosts[] | select(.outdated) | .name'"],
  async run({ args }) {
    const list = await clientFromArgs(args).request("listHosts", HostList);
    if (args.json) return printJson(list);
    if (list.hosts.length === 0) {
      printText("No hosts enrolled yet. Enroll one with: fleetctl enroll-token create");
      return;
    }
    printText(formatHostsTable(list.hosts));
  },
});
