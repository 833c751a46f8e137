// `fleetctl hosts`: the fleet at a glance — who is online, on which version, running which config
// commit and generation, doing what, and who is failing, under a line naming the config target.
// `--state` and `--tag` narrow it, `-o wide` adds the board's columns, `--watch` redraws it.
import { ConfigStateName, type ResponseOf } from "../../protocol/index.ts";
import type { ApiClient } from "../api.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatTargetHeader } from "../format/config.ts";
import { formatHostsTable, type HostsLayout } from "../format/hosts.ts";
import { parseTag } from "../host-selection.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { unknownValueMessage } from "../typos.ts";
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

function _state(raw: string | undefined): ConfigStateName | undefined {
  if (raw === undefined) return undefined;
  const parsed = ConfigStateName.safeParse(raw);
  if (!parsed.success) throw new CliError(unknownValueMessage("config state", raw, ConfigStateName.options));
  return parsed.data;
}

type HostList = ResponseOf<"listHosts">;

interface Filter {
  state: ConfigStateName | undefined;
  tag: string | undefined;
}

/** The list as fleetd sends it, with --tag applied by fleetd and --state here (fleetd has no such query). */
async function _list(client: ApiClient, filter: Filter): Promise<HostList> {
  const list = await client.call("listHosts", { query: filter.tag ? { tag: filter.tag } : {} });
  if (!filter.state) return list;
  return { ...list, hosts: list.hosts.filter((h) => h.config.state === filter.state) };
}

function _noneMatch(filter: Filter): string {
  const what = [
    filter.state ? `in config state ${filter.state}` : "",
    filter.tag ? `tagged ${filter.tag}` : "",
  ].filter(Boolean);
  return `No hosts ${what.join(" and ")}.`;
}

/** The target line, then the table; only when fleetd has no target, one more request says why. */
async function _render(client: ApiClient, list: HostList, filter: Filter, layout: HostsLayout) {
  const filtered = filter.state !== undefined || filter.tag !== undefined;
  if (!list.hosts.length && !filtered) return _empty;
  const described = list.target ? null : await client.call("getConfigTarget");
  const now = Date.now();
  const body = list.hosts.length ? formatHostsTable(list.hosts, now, layout) : _noneMatch(filter);
  return `${formatTargetHeader(list.target, described, now)}\n${body}`;
}

async function _snapshot(
  client: ApiClient,
  filter: Filter,
  layout: HostsLayout,
  json: boolean,
): Promise<string> {
  const list = await _list(client, filter);
  return json ? JSON.stringify(list) : _render(client, list, filter, layout);
}

export default defineFleetCommand({
  meta: {
    name: "hosts",
    description:
      "List enrolled hosts: online or not, agent version, config commit and generation, running job, failing; -o wide for more",
  },
  args: {
    output: {
      type: "string",
      alias: "o",
      valueHint: "wide",
      description:
        "wide: add what the system was built from, lock, needs reboot, platform, queue, the latest pull/switch/test, tags",
    },
    state: {
      type: "string",
      valueHint: "behind",
      description: `only hosts in this config state (${ConfigStateName.options.join(", ")})`,
    },
    tag: {
      type: "string",
      valueHint: "web",
      description: "only hosts with this tag (from their config.json)",
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
    "fleetctl hosts --state behind",
    "fleetctl hosts --tag web -o wide",
    "fleetctl hosts --watch --interval 5",
    "fleetctl hosts --json | jq -r '.hosts[] | select(.failing) | .name'",
  ],
  async run({ args }) {
    const layout = _layout(args.output);
    const filter: Filter = { state: _state(args.state), tag: parseTag(args.tag) };
    const interval = _interval(args.interval);
    if (args.interval !== undefined && !args.watch) throw new CliError("--interval goes with --watch");
    const client = clientFromArgs(args);
    if (args.watch) {
      // --json --watch prints one compact document per line, for a consumer reading line by line.
      return watchLoop({
        intervalMs: interval * 1000,
        tty: stdoutIsTty() && !args.json,
        title: args.json ? null : `fleetctl hosts, every ${interval}s`,
        snapshot: () => _snapshot(client, filter, layout, args.json === true),
        write: (text) => process.stdout.write(text),
      });
    }
    const list = await _list(client, filter);
    if (args.json) return printJson(list);
    printText(await _render(client, list, filter, layout));
  },
});
