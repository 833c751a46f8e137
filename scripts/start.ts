// `npm start`: fleetd from the source tree, serving this machine's fleet-agent, so the install
// line it prints works on a fresh clone. The agent is compiled on the first start (and after a
// source change) into dist/dev, with progress; later starts reuse it. `--artifacts DIR` (or
// FLEET_ARTIFACTS) serves a real build instead (`npm run build` makes every platform's).
// Usage: npm start [-- <fleetd serve flags>]
import { resolve } from "node:path";
import { ensureHostBuild } from "./build/host-build.ts";
import { resolveVersion } from "./build.ts";

const DEV_ARTIFACTS = resolve(import.meta.dir, "../dist/dev");
const flags = process.argv.slice(2);
const chosen =
  flags.some((f) => f === "--artifacts" || f.startsWith("--artifacts=")) || !!process.env.FLEET_ARTIFACTS;

const served: string[] = [];
if (!chosen) {
  let announced = false;
  const build = await ensureHostBuild(DEV_ARTIFACTS, resolveVersion(), ["fleet-agent"], (line) => {
    if (!announced) {
      announced = true;
      console.log(
        "npm start: compiling this machine's fleet-agent for fleetd to serve (first start after a source change; cached in dist/dev)",
      );
    }
    console.log(`npm start: ${line}`);
  });
  served.push("--artifacts", build.dir);
}
process.argv = [
  process.argv[0]!,
  resolve(import.meta.dir, "../server/main.ts"),
  "serve",
  ...served,
  ...flags,
];
await import("../server/main.ts");
