// Every system package a test tier needs, in one place. `npm test` (scripts/test/run.ts) installs
// what is missing before the run, .ci/run goes through `npm test` too, and a tier's tests ask
// `tierSkipReason` whether they can run here. A tier is skipped only when it cannot run on this
// kind of machine at all (systemd-nspawn on macOS, or nested in a container), never because a
// package is missing; the run's last lines name every skipped tier and why.
import { accessSync, constants, existsSync } from "node:fs";

export type TierName =
  | "base"
  | "processes"
  | "browser"
  | "wine"
  | "terminal"
  | "shellcheck"
  | "system"
  | "mounts"
  | "nix"
  | "prometheus"
  | "postgres";

export interface Tier {
  name: TierName;
  /** What its tests cover, for messages. */
  covers: string;
  /** Executables it needs, on PATH or as absolute paths. */
  commands: readonly string[];
  /** The Debian packages that provide them. */
  debian: readonly string[];
  /** Homebrew formulas for the same, where the tier runs on a Mac. */
  brew?: readonly string[];
  /** Why the tier cannot run on this machine whatever is installed, or null. */
  cannotRun?: () => string | null;
}

const linuxOnly = (what: string) => () =>
  process.platform === "linux" ? null : `${what} runs on Linux only (this is ${process.platform})`;

export const CHROMIUM = process.env.FLEET_CHROMIUM ?? "/usr/bin/chromium";

export const TIERS: readonly Tier[] = [
  {
    name: "base",
    covers: "real git repos, install.sh's downloads, the agent's process checks, the docs' jq lines",
    commands: ["git", "curl", "flock", "unshare", "jq"],
    debian: ["git", "curl", "ca-certificates", "util-linux", "jq"],
    brew: ["git", "curl", "flock", "jq"],
  },
  {
    name: "processes",
    covers: "the e2e checks for leftover and duplicate processes",
    commands: ["pgrep", "ps"],
    debian: ["procps"],
  },
  {
    name: "browser",
    covers: "the status board in a real Chromium (test/browser)",
    commands: [CHROMIUM],
    debian: ["chromium"],
  },
  {
    name: "wine",
    covers: "scripts/update.cmd, the Windows swap helper, under Wine's cmd",
    commands: ["wine"],
    debian: ["wine", "wine64"],
    cannotRun: linuxOnly("update.cmd under Wine"),
  },
  {
    name: "terminal",
    covers: "progress bars on a real terminal (tmux) and Tab completion in bash, zsh and fish",
    commands: ["tmux", "zsh", "fish"],
    debian: ["tmux", "zsh", "fish"],
    brew: ["tmux", "zsh", "fish"],
  },
  {
    name: "shellcheck",
    covers: "the lint of scripts/install.sh as POSIX sh",
    commands: ["shellcheck"],
    debian: ["shellcheck"],
    brew: ["shellcheck"],
  },
  {
    name: "system",
    covers: "install.sh, self-update and rollback under a real systemd booted with systemd-nspawn",
    commands: ["systemd-nspawn", "debootstrap", "nsenter"],
    debian: ["systemd-container", "debootstrap", "debian-archive-keyring"],
    cannotRun: () =>
      linuxOnly("systemd-nspawn")() ??
      (process.getuid?.() !== 0 ? "systemd-nspawn needs root (run the tests as root)" : null) ??
      (insideContainer() ? "systemd-nspawn cannot boot a container nested in this container" : null),
  },
  {
    name: "mounts",
    covers: "full and read-only file systems (a small tmpfs) under fleetd and the agent",
    commands: ["mount", "umount"],
    debian: ["mount"],
    cannotRun: () =>
      linuxOnly("mounting a tmpfs")() ??
      (process.getuid?.() !== 0 ? "mounting a tmpfs needs root (run the tests as root)" : null),
  },
  {
    name: "nix",
    covers: "real flake.lock updates, store paths and profile generations under Nix (offline)",
    commands: ["nix", "nix-env"],
    debian: ["nix-bin"],
    cannotRun: () =>
      linuxOnly("single-user Nix (Debian's nix-bin)")() ??
      (process.getuid?.() !== 0 && !_writable("/nix/store")
        ? "single-user Nix needs root or a /nix/store this user can write (run the tests as root)"
        : null),
  },
  {
    name: "prometheus",
    covers: "a real Prometheus server scraping fleetd's /metrics; promtool check metrics on it",
    commands: ["prometheus", "promtool"],
    debian: ["prometheus"],
    brew: ["prometheus"],
  },
  {
    name: "postgres",
    covers: "the coordinator on a real PostgreSQL: wakes, leaders and presence across replicas",
    // initdb and pg_ctl live off PATH in /usr/lib/postgresql/N/bin (test/harness/postgres.ts finds
    // the newest N); postgresql-common's pg_ctlcluster, on PATH, says a server is installed.
    commands: ["pg_ctlcluster"],
    debian: ["postgresql"],
  },
];

export type TierStatus =
  | { state: "ready" }
  | { state: "missing"; commands: string[] }
  | { state: "cannot-run"; reason: string };

export function tierStatus(tier: Tier): TierStatus {
  const reason = tier.cannotRun?.();
  if (reason) return { state: "cannot-run", reason };
  const missing = tier.commands.filter((c) => !_hasCommand(c));
  return missing.length > 0 ? { state: "missing", commands: missing } : { state: "ready" };
}

export function tierNamed(name: TierName): Tier {
  const tier = TIERS.find((t) => t.name === name);
  if (!tier) throw new Error(`no test tier named ${name}`);
  return tier;
}

/** Set by scripts/test/run.ts for the test processes: the tiers it skips, and why. */
export const SKIPPED_TIERS_ENV = "FLEET_SKIPPED_TIERS";

/**
 * Why `name`'s tests cannot run here, or null when they can. Under `npm test` this is what the
 * runner decided (it installed what was missing); a file run directly with `bun test` checks for
 * itself and also skips a tier whose packages are missing, saying which.
 */
export function tierSkipReason(name: TierName): string | null {
  const decided = process.env[SKIPPED_TIERS_ENV];
  if (decided !== undefined) return (JSON.parse(decided) as Record<string, string>)[name] ?? null;
  const status = tierStatus(tierNamed(name));
  if (status.state === "ready") return null;
  if (status.state === "cannot-run") return status.reason;
  return `${status.commands.join(", ")} missing (npm test installs it)`;
}

/**
 * Inside a container that systemd-nspawn cannot nest in: nspawn and podman set $container for
 * their payload (and systemd writes /run/systemd/container). Docker's /.dockerenv is no evidence
 * either way: this project's own CI machines carry it and boot nspawn containers fine.
 */
export function insideContainer(): boolean {
  return Boolean(process.env.container) || existsSync("/run/systemd/container");
}

function _writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function _hasCommand(command: string): boolean {
  return command.startsWith("/") ? existsSync(command) : Bun.which(command) !== null;
}
