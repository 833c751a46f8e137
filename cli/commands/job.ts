// `fleetctl job <id>`: one job's state and output; `--follow` streams new output until the
// job ends and exits with a code derived from how it ended.
import { isTerminal, type Job, type JobOutcome, type OutputLine } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { exitCodeForJobState, explainInterrupt, fetchJob, followJob } from "../follow.ts";
import { escapeControls } from "../format/escape.ts";
import { formatOutputLine, paintState } from "../format/jobs.ts";
import { formatFields } from "../format/table.ts";
import { durationBetween, relativeTime } from "../format/time.ts";
import { createJobFollowView } from "../job-view.ts";
import { logger, printJson, printText, stdoutIsTty } from "../output.ts";
import { hostNames } from "../resolve-host.ts";

/** `hostName`: the host's name when it is still enrolled; the id is shown beside it either way. */
export function formatJobDetail(job: Job, now = Date.now(), hostName?: string): string {
  const fields: [string, string][] = [
    ["Job", job.id],
    ["Host", hostName ? `${hostName} (${job.hostId})` : `${job.hostId} (no longer enrolled)`],
    ["Operation", job.op],
    [
      "State",
      `${paintState(job.state)}${job.cancelRequested && !isTerminal(job.state) ? " (cancel requested)" : ""}`,
    ],
    ["Created", `${job.createdAt} (${relativeTime(job.createdAt, now)})`],
  ];
  if (job.rolloutId) fields.push(["Rollout", `${job.rolloutId} (fleetctl rollout status ${job.rolloutId})`]);
  if (Object.keys(job.args).length) fields.push(["Args", JSON.stringify(job.args)]);
  if (job.startedAt) fields.push(["Duration", durationBetween(job.startedAt, job.finishedAt, now)]);
  if (job.progress)
    fields.push(["Progress", `${job.progress.current}/${job.progress.total} ${job.progress.label ?? ""}`]);
  if (job.exitCode !== undefined && job.exitCode !== null) fields.push(["Exit code", String(job.exitCode)]);
  if (job.reason) fields.push(["Reason", escapeControls(job.reason)]);
  if (job.outcome) fields.push(["Outcome", _outcomeText(job.outcome)]);
  if (job.tests?.length) {
    const passed = job.tests.filter((t) => t.state === "passed").length;
    fields.push(["Tests", `${passed}/${job.tests.length} passed`]);
  }
  if (job.outputTruncated) fields.push(["Output", "truncated by fleetd (over its per-job limit)"]);
  return formatFields(fields);
}

/** "rolled_back (the previous agent is back)": the kind fleetd acted on, with what it carries. */
function _outcomeText(outcome: JobOutcome): string {
  if (outcome.op !== "update") {
    const generations = `generation ${outcome.generationBefore ?? "?"} → ${outcome.generationAfter ?? "?"}`;
    return "cause" in outcome
      ? `${outcome.kind} (${outcome.cause}; ${generations})`
      : `${outcome.kind} (${generations})`;
  }
  switch (outcome.kind) {
    case "updated":
    case "already_current":
      return `${outcome.kind} (${escapeControls(outcome.version)})`;
    case "rolled_back":
      return `rolled_back (${outcome.restored ? "the previous agent is back" : "the previous agent did not come back"})`;
    case "failed_before_swap":
      return "failed_before_swap (nothing changed on the host)";
  }
}

const _printLines = (lines: readonly OutputLine[]) => {
  if (lines.length) printText(lines.map(formatOutputLine).join("\n"));
};

export default defineFleetCommand({
  meta: { name: "job", description: "Show a job and its output; --follow streams it until the job ends" },
  args: {
    id: { type: "positional", description: "job id", required: true },
    follow: { type: "boolean", alias: "f", description: "poll for new output until the job ends" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl job j_abc123", "fleetctl job j_abc123 --follow   # exit 0 only if it succeeded"],
  async run({ args }) {
    const client = clientFromArgs(args);
    if (!args.follow) {
      const detail = await fetchJob(client, args.id);
      if (args.json) return printJson(detail);
      const names = await hostNames(client);
      printText(formatJobDetail(detail.job, Date.now(), names.get(detail.job.hostId)));
      printText(detail.output.length ? `\nOutput:\n` : "\nNo output yet.");
      _printLines(detail.output);
      return;
    }
    // Output goes to stdout alone, so `--follow > log` captures just what the operation printed.
    explainInterrupt([args.id]);
    const collected: OutputLine[] = [];
    const view = createJobFollowView({
      tty: stdoutIsTty(),
      write: (text) => process.stdout.write(text),
      note: (line) => logger.info(line),
    });
    let announced = false;
    const job = await followJob(client, args.id, {
      onOutput: (lines) => (args.json ? collected.push(...lines) : view.output(lines.map(formatOutputLine))),
      onUpdate: (latest) => {
        if (args.json) return;
        if (!announced) logger.info(`following ${latest.op} job ${latest.id} (${latest.state})`);
        announced = true;
        view.update(latest);
      },
    });
    if (!args.json) view.finish(job);
    if (args.json) printJson({ job, output: collected });
    else logger.info(`job ${job.id} ${job.state}${job.reason ? `: ${escapeControls(job.reason)}` : ""}`);
    return exitCodeForJobState(job.state);
  },
});
