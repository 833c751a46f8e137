// The demo's binaries, for this machine only: the current sources (fleetd, fleet-agent, fleetctl)
// and an older fleet-agent for the host that shows as outdated, cached in dist/demo (see
// scripts/build/host-build.ts), so only the first `npm run demo` after a source change compiles.
import { resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ensureHostBuild, type HostBuild } from "../build/host-build.ts";

const CACHE_ROOT = resolve(import.meta.dir, "../../dist/demo");

/** What the demo fleet runs: package.json's version; one host keeps an agent one release behind. */
export const DEMO_VERSION: string = pkg.version;
export const OLDER_VERSION = "0.0.9";

export type DemoBuild = HostBuild;

/** Both builds the demo needs, the older one first so its agent exists before fleetd serves the new one. */
export async function ensureDemoBuilds(log?: (line: string) => void) {
  const older = await ensureHostBuild(CACHE_ROOT, OLDER_VERSION, ["fleet-agent"], log);
  const current = await ensureHostBuild(CACHE_ROOT, DEMO_VERSION, ["fleetd", "fleet-agent", "fleetctl"], log);
  return { current, older };
}
