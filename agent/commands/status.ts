// `fleet-agent status`: what this agent knows, without talking to the server.
import { existsSync } from "node:fs";
import { defineCommand } from "citty";
import { VERSION } from "../../protocol/build-info.ts";
import { loadConfig, loadCredentials } from "../config.ts";
import { selfSha256 } from "../identity.ts";
import { jobFiles, readJobCommand, readJobResult, undeliveredJobIds } from "../jobs/spool.ts";
import { isLocked, readHolderPid } from "../lock.ts";
import { pathsFrom, stateDirArg } from "./shared.ts";

export default defineCommand({
  meta: {
    name: "status",
    description: "Show enrollment, the running agent and pending jobs. Example: fleet-agent status --json",
  },
  args: { ...stateDirArg, json: { type: "boolean", description: "print JSON" } },
  run({ args }) {
    const paths = pathsFrom(args);
    const enrolled = existsSync(paths.credentials);
    const config = existsSync(paths.config) ? loadConfig(paths) : null;
    const running = existsSync(paths.lock) && isLocked(paths.lock);
    const jobs = undeliveredJobIds(paths.jobs).map((id) => {
      const files = jobFiles(paths.job(id));
      const result = readJobResult(files);
      return {
        id,
        op: readJobCommand(files)?.op ?? null,
        state: result ? `finished: ${result.state} (not yet delivered)` : "running",
      };
    });
    const status = {
      version: VERSION,
      sha256: selfSha256(),
      stateDir: paths.root,
      enrolled,
      hostId: enrolled ? loadCredentials(paths).hostId : null,
      name: config?.name ?? null,
      server: config?.server ?? null,
      agentPid: running ? readHolderPid(paths.lock) : null,
      pendingJobs: jobs,
    };
    if (args.json) {
      console.log(JSON.stringify(status, null, 2));
      return;
    }
    console.log(`fleet-agent ${status.version} (sha256 ${status.sha256.slice(0, 12)}…)`);
    console.log(`state dir   ${status.stateDir}`);
    console.log(`enrolled    ${enrolled ? `yes, as ${status.name} (${status.hostId})` : "no"}`);
    console.log(`server      ${status.server ?? "-"}`);
    console.log(`agent       ${running ? `running (pid ${status.agentPid})` : "not running"}`);
    for (const job of jobs) console.log(`job         ${job.id} ${job.op ?? "?"}: ${job.state}`);
  },
});
