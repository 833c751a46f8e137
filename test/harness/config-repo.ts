// A real git repo standing in for a fleet's config repo (flake), and stub switch tools
// (nixos-rebuild, home-manager) on PATH that record their calls and act like the real
// ones: print progress, take a while, exit 0.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

export function git(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.email=test@fleet", "-c", "user.name=test", ...args], { cwd });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

export function writeExecutable(path: string, body: string): void {
  writeFileSync(path, body.startsWith("#!") ? body : `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

export interface ConfigRepo {
  origin: string;
  /** Commits a file change to the origin and returns the new head. */
  commit(file: string, content: string): string;
  /** Adds tests/<name> for a host, executable. */
  addTest(host: string, name: string, body: string): void;
  head(): string;
}

export function createConfigRepo(): ConfigRepo {
  const origin = join(tempDir("origin"), "fleet-config");
  mkdirSync(origin, { recursive: true });
  git(origin, "init", "-q", "-b", "main");
  writeFileSync(join(origin, "flake.nix"), "{ outputs = _: {}; }\n");
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "initial");
  const repo: ConfigRepo = {
    origin,
    commit(file, content) {
      writeFileSync(join(origin, file), content);
      git(origin, "add", ".");
      git(origin, "commit", "-qm", `change ${file}`);
      return repo.head();
    },
    addTest(host, name, body) {
      const dir = join(origin, "hosts", host, "tests");
      mkdirSync(dir, { recursive: true });
      writeExecutable(join(dir, name), body);
      git(origin, "add", ".");
      git(origin, "commit", "-qm", `test ${name}`);
    },
    head: () => git(origin, "rev-parse", "HEAD"),
  };
  return repo;
}

export interface Stubs {
  dir: string;
  /** PATH with the stubs first. */
  path: string;
  /** Lines "<tool> <args>" in call order. */
  calls(): string[];
}

/** Stub nixos-rebuild and home-manager that log their calls and behave like a short switch. */
export function createSwitchStubs(): Stubs {
  const dir = tempDir("stubs");
  const log = join(dir, "calls.log");
  for (const tool of ["nixos-rebuild", "home-manager"]) {
    writeExecutable(
      join(dir, tool),
      `echo "${tool} $*" >> "${log}"
echo "building the system configuration..."
sleep 0.3
echo "activating the configuration..."
exit 0`,
    );
  }
  return {
    dir,
    path: `${dir}:${process.env.PATH}`,
    calls: () => {
      try {
        return readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}
