// `fleetctl jobs [<host>]`: recent jobs, newest first, optionally for one host or state.
import { JobState } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { formatJobsTable } from "../format/jobs.ts";
import { printJson, printText } from "../output.ts";
import { resolveHost } from "../resolve-host.ts";
import { unknownValueMessage } from "../typos.ts";

/** A positive integer flag, or undefined when absent. */
export function parseLimit(raw: string | undefined, flag = "--limit"): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, got "${raw}"`);
  return n;
}

export default defineFleetCommand({
  meta: { name: "jobs", description: "List jobs, newest first, for the fleet or one host" },
  args: {
    host: { type: "positional", description: "host id or name (default: all hosts)", required: false },
    state: {
      type: "string",
      valueHint: "state",
      description: `only jobs in this state: ${JobState.options.join(", ")}`,
    },
    limit: { type: "string", description: "at most this many jobs" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl jobs", "fleetctl jobs web1 --state failed --limit 5"],
  async run({ args }) {
    const limit = parseLimit(args.limit);
    const state = args.state === undefined ? undefined : JobState.safeParse(args.state).data;
    if (args.state !== undefined && !state) {
      throw new CliError(unknownValueMessage("state", args.state, JobState.options));
    }
    const client = clientFromArgs(args);
    // The hosts list resolves a name to an id and lets the table show names instead of ids.
    const { hosts } = await client.call("listHosts");
    const host = args.host ? resolveHost(hosts, args.host) : undefined;
    const list = await client.call("listJobs", {
      query: { host: host?.id, state, limit },
    });
    if (args.json) {
      printJson(list);
      return;
    }
    if (list.jobs.length === 0) {
      printText("No jobs match.");
      return;
    }
    printText(formatJobsTable(list.jobs, new Map(hosts.map((h) => [h.id, h.name]))));
  },
});
