// `fleetctl update <host>...`: update hosts' agents to the build fleetd serves. Success is
// the host saying hello on the new version and staying up; a failed update rolls back on
// the host by itself and raises an alert.
import { type Job, JobResponse } from "../../protocol/index.ts";
import { defineFleetCommand, reportError } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { CliError } from "../errors.ts";
import { exitCodeForJobState, waitForJobs } from "../follow.ts";
import { formatJobsTable } from "../format/jobs.ts";
import { printJson, printText, stdoutIsTty } from "../output.ts";
import { createProgressView } from "../progress.ts";
import { resolveHostRefs } from "../resolve-host.ts";

export default defineFleetCommand({
  meta: { name: "update", description: "Update hosts' agents to the version fleetd serves" },
  args: {
    hosts: { type: "positional", description: "host ids or names", required: false },
    "allow-downgrade": { type: "boolean", description: "allow moving a host to an older version" },
    wait: { type: "boolean", description: "wait for the outcome; exit 0 only if every host updated" },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl update web1 --wait", "fleetctl update web1 web2 --allow-downgrade --wait --json"],
  async run({ args }) {
    const refs = args._.map(String);
    if (!refs.length) throw new CliError("which hosts? give host ids or names");
    const client = clientFromArgs(args);
    const hosts = await resolveHostRefs(client, refs);
    const started = performance.now();
    const created: { label: string; job: Job }[] = [];
    for (const host of hosts) {
      try {
        const { job } = await client.request("updateHost", JobResponse, {
          params: { id: host.id },
          body: { allowDowngrade: args["allow-downgrade"] === true },
        });
        created.push({ label: host.name, job });
      } catch (err) {
        reportError(new CliError(`${host.name}: ${(err as Error).message}`));
      }
    }
    let jobs = created.map((c) => c.job);
    if (args.wait && jobs.length) {
      const view = args.json
        ? null
        : createProgressView({ tty: stdoutIsTty(), write: (t) => process.stdout.write(t) });
      const track = (latest: typeof jobs) => latest.map((job, i) => ({ label: created[i]!.label, job }));
      jobs = await waitForJobs(client, jobs, { onUpdate: (latest) => view?.update(track(latest)) });
      view?.finish(track(jobs));
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (args.json) printJson({ jobs, seconds: Number(seconds) });
    else {
      printText(formatJobsTable(jobs, new Map(hosts.map((h) => [h.id, h.name]))));
      if (args.wait) printText(`\nfinished in ${seconds} s`);
      for (const job of jobs.filter((j) => j.state !== "succeeded" && j.state !== "skipped")) {
        if (args.wait) printText(`${job.id}: ${job.reason ?? job.state}`);
      }
    }
    if (created.length < hosts.length) return 1;
    if (!args.wait) return 0;
    const bad = jobs.find((j) => j.state !== "succeeded" && j.state !== "skipped");
    return bad ? exitCodeForJobState(bad.state) : 0;
  },
});
