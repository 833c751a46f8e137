// The demo fleet's config repo: a real local git repo standing in for a NixOS/home-manager
// flake. Its switch script and tests are harmless shell scripts that print what a real
// rebuild or health check prints and take about as long, so the board and `fleetctl job
// --follow` look like a real fleet without touching the machine.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface DemoHost {
  name: string;
  /** Runs the older agent build, so it shows as outdated until `fleetctl update`. */
  older?: boolean;
  /** Has a test that fails, so the board shows a failing host. */
  failing?: boolean;
}

/** Five hosts; sorted by name the first is the rollout's canary. */
export const DEMO_HOSTS: readonly DemoHost[] = [
  { name: "build1" },
  { name: "db1", failing: true },
  { name: "nas", older: true },
  { name: "web1" },
  { name: "web2" },
];

const SWITCH = `#!/bin/sh
# Stands in for nixos-rebuild switch / home-manager switch: prints, waits, changes nothing.
host=$1
echo "building the system configuration for $host..."
sleep 1.5
echo "these 14 derivations will be built:"
echo "  /nix/store/...-etc-$host.drv"
sleep 1.5
echo "activating the configuration..."
sleep 0.5
echo "switched $host to generation $(date +%s)"
`;

const test = (what: string, seconds: number) => `#!/bin/sh
echo "checking ${what}..."
sleep ${seconds}
echo "${what}: ok"
`;

/** The failing host's replica lag, read from a file the operator can change to "fix" it. */
export const REPLICA_LAG_FILE = "db1-replica-lag";

/** Fails while the lag in `lagFile` (42 s until someone writes a smaller one) is above 30 s. */
const replicationTest = (lagFile: string) => `#!/bin/sh
echo "checking replication..."
sleep 1.5
lag=$(cat '${lagFile}' 2>/dev/null || echo 42)
if [ "$lag" -gt 30 ]; then
  echo "replica lag is $lag s (limit 30 s)" >&2
  exit 1
fi
echo "replication: ok (lag $lag s)"
`;

function _tests(host: DemoHost, lagFile: string): Record<string, string> {
  return {
    "T01-disk.sh": test("free disk space", 0.5),
    "T02-services.sh": host.failing ? replicationTest(lagFile) : test("systemd units", 1.5),
    "T03-network.sh": test("DNS and the default route", 1),
  };
}

function _write(path: string, body: string, executable = false): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
  if (executable) chmodSync(path, 0o755);
}

function _git(cwd: string, ...args: string[]): void {
  const r = Bun.spawnSync(["git", "-c", "user.email=demo@fleet", "-c", "user.name=Fleet demo", ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr.toString()}`);
}

/**
 * Creates the repo at `dir` (branch main) and returns its path, which agents clone on first pull.
 * The failing host's test reads its lag from `lagFile`, outside the repo.
 */
export function createConfigRepo(dir: string, hosts: readonly DemoHost[], lagFile: string): string {
  _write(join(dir, "flake.nix"), '{\n  description = "Fleet demo config (not a real flake)";\n}\n');
  _write(join(dir, "bin", "switch.sh"), SWITCH, true);
  for (const host of hosts) {
    for (const [name, body] of Object.entries(_tests(host, lagFile)))
      _write(join(dir, "hosts", host.name, "tests", name), body, true);
  }
  _git(dir, "init", "-q", "-b", "main");
  _git(dir, "add", ".");
  _git(dir, "commit", "-qm", "demo fleet config");
  return dir;
}
