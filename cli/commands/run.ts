// `fleetctl run <op> <host>... | --all | --tag <tag>`: queue one job per host, optionally wait
// for all of them. Success means every job ended `succeeded`; anything else exits non-zero.
import type { z } from "zod";
import {
  type BodyOf,
  CreateJobRequest,
  type Job,
  jobArgsProblem,
  OP_ARGS,
  OPERATION_ARGS,
  Operation,
} from "../../protocol/index.ts";
import type { ApiClient } from "../api.ts";
import { defineFleetCommand, reportError } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { exitCodeForJobState, explainInterrupt, waitForJobs } from "../follow.ts";
import { formatJobsTable } from "../format/jobs.ts";
import { checkSelection, parseTag, selectHosts } from "../host-selection.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { createProgressView } from "../progress.ts";
import { unknownValueMessage } from "../typos.ts";

/**
 * Every `--arg k=v` (or `--arg=k=v`) in order; citty keeps only the last of a repeated flag. A value
 * travels as typed as `op`'s schema wants it: `version=1.0` stays the string an update needs,
 * `confirmSeconds=30` becomes the number a deploy needs.
 */
export function parseJobArgs(
  op: Operation,
  rawArgs: readonly string[],
): Record<string, string | number | boolean> {
  const fields: Record<string, z.ZodType | undefined> = OP_ARGS[op].shape;
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < rawArgs.length; i++) {
    const raw = rawArgs[i]!;
    let pair: string | undefined;
    if (raw === "--arg") pair = rawArgs[++i];
    else if (raw.startsWith("--arg=")) pair = raw.slice("--arg=".length);
    else continue;
    const eq = pair?.indexOf("=") ?? -1;
    if (!pair || eq < 1) throw new CliError(`--arg takes key=value, got "${pair ?? ""}"`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    out[key] = fields[key]?.safeParse(value).success ? value : _scalar(value);
  }
  return out;
}

/** "true"/"false" and plain numbers typed, where the op's schema does not take the string itself. */
function _scalar(value: string): string | number | boolean {
  if (value === "true" || value === "false") return value === "true";
  if (/^-?\d+(\.\d+)?$/.test(value) && Number.isFinite(Number(value))) return Number(value);
  return value;
}

/** "pull, switch, test, restart take none; update takes version, …", from the protocol's table. */
function _argsTaken(): string {
  const entries = Object.entries(OPERATION_ARGS) as [string, readonly string[]][];
  const none = entries.filter(([, keys]) => !keys.length).map(([op]) => op);
  const some = entries
    .filter(([, keys]) => keys.length)
    .map(([op, keys]) => `${op} takes ${keys.join(", ")}`);
  return [...(none.length ? [`${none.join(", ")} take none`] : []), ...some].join("; ");
}

async function _createJobs(
  client: ApiClient,
  hosts: { id: string; name: string }[],
  body: BodyOf<"createJob">,
) {
  const created: { label: string; job: Job }[] = [];
  let failures = 0;
  for (const host of hosts) {
    try {
      const { job } = await client.call("createJob", { params: { id: host.id }, body });
      created.push({ label: host.name, job });
    } catch (err) {
      failures++;
      reportError(new CliError(`${host.name}: could not create job: ${(err as Error).message}`));
    }
  }
  return { created, failures };
}

export default defineFleetCommand({
  meta: { name: "run", description: `Run an operation (${Operation.options.join(", ")}) on hosts` },
  args: {
    op: { type: "positional", description: `operation: ${Operation.options.join(" | ")}`, required: true },
    hosts: {
      type: "positional",
      description: "host ids or names, one or more (or --all, or --tag)",
      required: false,
    },
    all: { type: "boolean", description: "every enrolled host" },
    tag: { type: "string", valueHint: "web", description: "every host with this tag (from its config.json)" },
    wait: { type: "boolean", description: "wait until every job has ended; exit 0 only if all succeeded" },
    arg: {
      type: "string",
      description: `operation argument key=value; repeatable (${_argsTaken()})`,
    },
    ttl: { type: "string", description: "seconds a job may wait for an offline host before it expires" },
    ...jsonArg,
    ...connectionArgs,
  },
  variadic: true,
  examples: [
    "fleetctl run pull web1 web2 --wait",
    "fleetctl run switch --all --wait",
    "fleetctl run pull --tag web",
    "fleetctl run test db1 --wait --json",
    "fleetctl run restart web1",
  ],
  async run({ args, rawArgs }) {
    const op = Operation.safeParse(args.op);
    if (!op.success) {
      throw new CliError(unknownValueMessage("operation", args.op, Operation.options));
    }
    const selection = { refs: args._.slice(1).map(String), all: args.all === true, tag: parseTag(args.tag) };
    checkSelection(selection);
    const ttlSeconds = args.ttl === undefined ? undefined : Number(args.ttl);
    if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
      throw new CliError(`--ttl must be a positive number of seconds, got "${args.ttl}"`);
    }
    const jobArgs = parseJobArgs(op.data, rawArgs);
    const problem = jobArgsProblem(op.data, jobArgs);
    if (problem) throw new CliError(`--arg: ${problem}`);
    // The op's own schema, before anything is sent: update needs version and sha256, say.
    const request = CreateJobRequest.safeParse({ op: op.data, args: jobArgs, ttlSeconds });
    if (!request.success) {
      const issue = request.error.issues[0];
      const key = issue?.path.slice(1).join(".") || op.data;
      if (issue?.message.endsWith("received undefined"))
        throw new CliError(`${op.data} needs --arg ${key}=…`);
      throw new CliError(`--arg ${key}: ${issue?.message ?? "invalid"}`);
    }
    const body: BodyOf<"createJob"> = request.data;

    const client = clientFromArgs(args);
    const hosts = await selectHosts(client, selection);
    const { created, failures } = await _createJobs(client, hosts, body);
    const names = new Map(hosts.map((h) => [h.id, h.name]));

    let jobs = created.map((c) => c.job);
    if (args.wait && jobs.length) {
      explainInterrupt(jobs.map((j) => j.id));
      const view = args.json
        ? null
        : createProgressView({ tty: stdoutIsTty(), write: (t) => process.stdout.write(t) });
      const track = (latest: Job[]) => latest.map((job, i) => ({ label: created[i]!.label, job }));
      jobs = await waitForJobs(client, jobs, { onUpdate: (latest) => view?.update(track(latest)) });
      view?.finish(track(jobs));
    }

    if (args.json) printJson({ jobs });
    else if (jobs.length) {
      printText(formatJobsTable(jobs, names));
      if (!args.wait) printText(`\nFollow one with: fleetctl job ${jobs[0]!.id} --follow`);
    }
    if (failures) return 1;
    if (!args.wait) return 0;
    if (jobs.every((j) => j.state === "succeeded")) return 0;
    return jobs.length === 1 ? exitCodeForJobState(jobs[0]!.state) : 1;
  },
});
