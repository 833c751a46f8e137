// Makes the machine ready for every test tier before `npm test` runs them: on Debian or Ubuntu,
// as root or with passwordless sudo, it installs the missing packages (and says which); anywhere
// else it stops at once with the one command that would. A tier that cannot run on this kind of
// machine is not installed for: it is skipped, and the run's summary says why.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIERS, type Tier, tierStatus } from "./tiers.ts";

/** apt-get update plus a first install of Chromium and Wine is a few hundred MB. */
export const APT_TIMEOUT_MS = 20 * 60_000;

export class MissingPackagesError extends Error {}

export interface Machine {
  platform: NodeJS.Platform;
  debianLike: boolean;
  /** [] as root, ["sudo", "-n"] with passwordless sudo, null when neither. */
  rootPrefix: string[] | null;
}

export type InstallPlan =
  | { kind: "install"; packages: string[]; argvs: string[][] }
  | { kind: "stop"; message: string };

/** What to do about tiers whose commands are missing (`missing`: per tier, the commands). */
export function installPlan(lacking: { tier: Tier; missing: string[] }[], machine: Machine): InstallPlan {
  const names = lacking.map((l) => l.tier.name).join(", ");
  const packages = [...new Set(lacking.flatMap((l) => l.tier.debian))];
  const commands = lacking.flatMap((l) => l.missing).join(", ");
  const apt = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  if (machine.debianLike && machine.rootPrefix) {
    const as = machine.rootPrefix;
    return {
      kind: "install",
      packages,
      argvs: [
        [...as, "apt-get", "update", "-qq"],
        [...as, ...apt.split(" "), "-qq"],
      ],
    };
  }
  const brew = lacking.every((l) => l.tier.brew)
    ? [...new Set(lacking.flatMap((l) => l.tier.brew ?? []))]
    : null;
  const command = machine.debianLike
    ? `sudo ${apt}`
    : machine.platform === "darwin" && brew
      ? `brew install ${brew.join(" ")}`
      : `install ${commands} (the Debian packages are: ${packages.join(" ")})`;
  return {
    kind: "stop",
    message: `the ${names} test tier(s) need ${commands}, which are not installed; run:\n\n  ${command}\n`,
  };
}

/** Installs what the tiers lack, or throws MissingPackagesError naming the command to run. */
export function ensureTierPackages(log: (line: string) => void): void {
  const lacking = _lacking();
  if (lacking.length === 0) return;
  const plan = installPlan(lacking, thisMachine());
  if (plan.kind === "stop") throw new MissingPackagesError(plan.message);
  log(
    `npm test: installing ${plan.packages.join(" ")} for the ${lacking.map((l) => l.tier.name).join(", ")} test tier(s)`,
  );
  const logFile = join(tmpdir(), "fleet-test-apt.log");
  writeFileSync(logFile, "");
  for (const argv of plan.argvs) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const run = Bun.spawnSync(argv, { env, stdout: "pipe", stderr: "pipe", timeout: APT_TIMEOUT_MS });
    appendFileSync(logFile, `$ ${argv.join(" ")}\n${run.stdout}${run.stderr}`);
    if (run.exitCode !== 0) {
      const tail = readFileSync(logFile, "utf8").trim().split("\n").slice(-12).join("\n");
      throw new MissingPackagesError(
        `${argv.join(" ")} failed (exit ${run.exitCode}); log ${logFile}:\n${tail}`,
      );
    }
  }
  const still = _lacking();
  if (still.length > 0) {
    const what = still.map((l) => `${l.tier.name} (${l.missing.join(", ")})`).join("; ");
    throw new MissingPackagesError(`installed ${plan.packages.join(" ")}, but still missing: ${what}`);
  }
}

export function thisMachine(): Machine {
  const debianLike = existsSync("/etc/debian_version") && Bun.which("apt-get") !== null;
  let rootPrefix: string[] | null = null;
  if (process.getuid?.() === 0) rootPrefix = [];
  else if (Bun.which("sudo") && Bun.spawnSync(["sudo", "-n", "true"], { stderr: "ignore" }).exitCode === 0)
    rootPrefix = ["sudo", "-n"];
  return { platform: process.platform, debianLike, rootPrefix };
}

function _lacking(): { tier: Tier; missing: string[] }[] {
  return TIERS.flatMap((tier) => {
    const status = tierStatus(tier);
    return status.state === "missing" ? [{ tier, missing: status.commands }] : [];
  });
}
