// `fleetctl host <id|name>`: one host's identity, agent, presence, last vitals, config (what its checkout is at,
// what its system was built from, its last generations) and its recent jobs.
// `fleetctl host revoke <id|name>`: invalidate the host's token (a lost or retired machine).
// `fleetctl host delete <id|name>`: forget the host (to enroll the machine again under its name).
// A verb is read as one only when a host follows it, so a host named "revoke" still shows.
import type { Host, HostState } from "../../protocol/index.ts";
import type { ApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { confirmOrRefuse } from "../confirm.ts";
import { CliError } from "../errors.ts";
import { formatGenerations, formatNeedsReboot, paintConfigState } from "../format/config.ts";
import {
  formatLast,
  formatPlatform,
  formatRunning,
  formatVersion,
  formatVitalsFields,
} from "../format/hosts.ts";
import { formatJobsTable } from "../format/jobs.ts";
import { formatFields } from "../format/table.ts";
import { relativeTime } from "../format/time.ts";
import { paint, printJson, printText } from "../output.ts";
import { resolveHostRefs } from "../resolve-host.ts";
import { closest } from "../typos.ts";

/** The config lines of a host's detail: fleetd's derived config, with the checkout's own words. */
function _configFields(host: Host, state: HostState | null, now: number): [string, string][] {
  const { config, system } = host;
  const checkout = state?.checkout ?? null;
  const onBranch = checkout?.branch ? ` on ${checkout.branch}` : "";
  const subject = checkout ? ` ${JSON.stringify(checkout.subject)}${onBranch}` : "";
  const yesNo = (value: boolean | null, yes: string) => (value === null ? "-" : value ? yes : "no");
  return [
    ["Tags", host.tags.length ? host.tags.join(", ") : "-"],
    ["Config", paintConfigState(config.state)],
    ["Commit", config.commit ? `${config.commit}${subject}` : "-"],
    ["Behind by", config.behindBy === null ? "-" : String(config.behindBy)],
    ["Dirty", yesNo(config.dirty, paint.red("yes"))],
    ["Lock", config.lockHash ?? "-"],
    ["Built from", config.builtFrom ?? "-"],
    [
      "Switched",
      config.switchedAt ? `${relativeTime(config.switchedAt, now)} (${config.switchedAt})` : "never",
    ],
    ["Generation", system?.generation === null || !system ? "-" : String(system.generation)],
    ["System path", system?.path ?? "-"],
    ["Needs reboot", formatNeedsReboot(system)],
  ];
}

export function formatHostDetail(host: Host, now = Date.now(), state: HostState | null = null): string {
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
    ["Running job", host.running ? `${formatRunning(host.running, now)}, job ${host.running.id}` : "-"],
    ["Queued jobs", String(host.queued)],
    ["Last pull", formatLast(host.last.pull, now)],
    ["Last switch", formatLast(host.last.switch, now)],
    ["Last test", formatLast(host.last.test, now)],
    ["Failing", host.failing ? paint.red("yes") : "no"],
    ...formatVitalsFields(host, now),
    ..._configFields(host, state, now),
    ...(host.revokedAt ? [["Revoked", paint.red(host.revokedAt)] as [string, string]] : []),
  ]);
}

async function _revoke(client: ApiClient, ref: string, json: boolean | undefined): Promise<void> {
  const [target] = await resolveHostRefs(client, [ref]);
  const { host } = await client.call("revokeHost", { params: { id: target!.id } });
  if (json) return printJson({ host });
  printText(
    `revoked ${host.name} (${host.id}): fleetd refuses its token from now on; its jobs were ended. ` +
      "To bring it back, enroll it again.",
  );
}

async function _delete(
  client: ApiClient,
  ref: string,
  args: { json?: boolean; yes?: boolean },
): Promise<void> {
  const [target] = await resolveHostRefs(client, [ref]);
  const { name, id } = target!;
  await confirmOrRefuse(
    `Delete host ${name} (${id})? fleetd forgets it, refuses its token and ends its jobs.`,
    { yes: args.yes === true, what: `delete host ${name}` },
  );
  await client.call("deleteHost", { params: { id } });
  if (args.json) return printJson({ deleted: { id, name } });
  printText(
    `deleted ${name} (${id}): its token is refused and its jobs were ended. ` +
      `The name is free: enroll the machine again with a new token (fleetctl enroll-token create).`,
  );
}

const VERBS = ["revoke", "delete"] as const;

export default defineFleetCommand({
  meta: {
    name: "host",
    description:
      "Show one host's details, config, last generations and recent jobs; `host revoke <host>` revokes its token, `host delete <host>` forgets it",
  },
  args: {
    host: { type: "positional", description: "host id or name, or `revoke` / `delete`", required: true },
    target: {
      type: "positional",
      description: "after `revoke` or `delete`: the host id or name",
      required: false,
    },
    yes: { type: "boolean", alias: "y", description: "with delete: do not ask for confirmation" },
    ...jsonArg,
    ...connectionArgs,
  },
  verbs: VERBS,
  examples: [
    "fleetctl host web1",
    "fleetctl host web1 --json | jq .host.version",
    "fleetctl host web1 --json | jq '.state.generations[0]'",
    "fleetctl host revoke web1",
    "fleetctl host delete web1 --yes",
  ],
  async run({ args }) {
    const client = clientFromArgs(args);
    if (args.target !== undefined) {
      if (args.host === "revoke") return _revoke(client, args.target, args.json);
      if (args.host === "delete") return _delete(client, args.target, args);
      const guess = closest(args.host, VERBS) ?? "revoke";
      throw new CliError(
        `unknown action "${args.host}"; did you mean: fleetctl host ${guess} ${args.target} (actions: ${VERBS.join(", ")})`,
      );
    }
    const [host] = await resolveHostRefs(client, [args.host]);
    const detail = await client.call("getHost", { params: { id: host!.id } });
    if (args.json) return printJson(detail);
    printText(formatHostDetail(detail.host, Date.now(), detail.state));
    const generations = detail.state?.generations ?? [];
    if (generations.length) {
      const active = detail.host.system?.generation ?? null;
      printText(`\nGenerations:\n${formatGenerations(generations, active)}`);
    }
    if (detail.recentJobs.length === 0) return printText("\nNo jobs yet.");
    const names = new Map([[detail.host.id, detail.host.name]]);
    printText(`\nRecent jobs:\n${formatJobsTable(detail.recentJobs, names)}`);
  },
});
