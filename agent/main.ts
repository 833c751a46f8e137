// fleet-agent: runs on every host as a service, long-polls fleetd and runs its jobs.
// Each command is loaded when it runs, so what `runner` and `enroll` need (zod, the job ops) never
// loads into the idle `run`; `run` as a service manager starts it (`run [--state-dir DIR]`) does
// not load citty and node:util either (docs/agent.md, "Memory").
import { VERSION } from "../protocol/build-info.ts";
import { serviceRunArgs } from "./commands/service-argv.ts";

const serviceRun = serviceRunArgs(process.argv.slice(2));
if (serviceRun) {
  const [{ runService }, { failCommand }] = await Promise.all([
    import("./commands/run.ts"),
    import("./command-failure.ts"),
  ]);
  await runService(serviceRun.stateDir).catch(failCommand);
} else {
  const [{ defineCommand }, { runCli }] = await Promise.all([import("citty"), import("./run-cli.ts")]);
  const main = defineCommand({
    meta: { name: "fleet-agent", version: VERSION, description: "Fleet's host agent" },
    subCommands: {
      enroll: () => import("./commands/enroll.ts").then((m) => m.default),
      run: () => import("./commands/run.ts").then((m) => m.default),
      status: () => import("./commands/status.ts").then((m) => m.default),
      runner: () => import("./commands/runner.ts").then((m) => m.default),
    },
  });
  await runCli(main, VERSION);
}
