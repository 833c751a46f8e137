// `fleetctl hosts`: the fleet at a glance — who is online, on which version, doing what, and
// who is failing. `-o wide` adds the board's columns; `--watch` redraws it every few seconds.
import type { ApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatHostsTable, type HostsLayout } from "../format/hosts.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { watchLoop } from "../watch.ts";

export const DEFAULT_WATCH_SECONDS = 2;

const _empty = "No hosts enrolled yet. Enroll one with: fleetctl enroll-token create";

function _layout(output: string | undefined): HostsLayout {
  if (output === undefined || output === "narrow") return "narrow";
  if (output === "wide") return "wide";
  throw new CliError(`-o/--output is "wide" (more columns) or "narrow" (the default), got "${output}"`);
}

function _interval(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_WATCH_SECONDS;
  const seconds = Number(raw);
  if (!(seconds >= 0.1) || !Number.isFinite(seconds))
    throw new CliError(`--interval must be a number of seconds ≥ 0.1, got "${raw}"`);
  return seconds;
}

async function _snapshot(client: ApiClient, layout: HostsLayout, json: boolean): Promise<string> {
  const list = await client.call("listHosts");
  if (json) return JSON.stringify(list);
  return list.hosts.length ? formatHostsTable(list.hosts, Date.now(), layout) : _empty;
}

export default defineFleetCommand({
  meta: {
    name: "hosts",
    description: "List enrolled hosts: online or not, agent version, running job, failing; -o wide for more",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "wide",
      description: "wide: add platform, queue and the latest pull/switch/test",
    },
    watch: { type: "boolean", alias: "w", description: "redraw every --interval seconds until Ctrl-C" },
    interval: {
      type: "string",
      description: `seconds between redraws with --watch (default ${DEFAULT_WATCH_SECONDS})`,
    },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: [
    "fleetctl hosts",
    "fleetctl hosts -o wide",
    "fleetctl hosts --watch --interval 5",
    "fleetctl hosts --json | jq -r '.hosts[] | select(.failing) | .name'",
  ],
  async run({ args }) {
    const layout = _layout(args.output);
    const interval = _interval(args.interval);
    if (args.interval !== undefined && !args.watch) throw new CliError("--interval goes with --watch");
    const client = clientFromArgs(args);
    if (args.watch) {
      // --json --watch prints one compact document per line, for a consumer reading line by line.
      return watchLoop({
        intervalMs: interval * 1000,
        tty: stdoutIsTty() && !args.json,
        title: args.json ? null : `fleetctl hosts, every ${interval}s`,
        snapshot: () => _snapshot(client, layout, args.json === true),
        write: (text) => process.stdout.write(text),
      });
    }
    const list = await client.call("listHosts");
    if (args.json) return printJson(list);
    printText(list.hosts.length ? formatHostsTable(list.hosts, Date.now(), layout) : _empty);
  },
});
