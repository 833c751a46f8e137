// Real Nix for tests (the `nix` tier): Debian's nix-bin run offline in single-user mode, a config
// repo flake whose hosts are built from `builtins` alone (no nixpkgs, nothing to download) with
// local git repos as inputs, and the switch stand-in that moves a profile as nixos-rebuild would.
// So flake.lock updates, store paths and generations in these tests are Nix's own.
//
// The store and its database are the machine's (/nix): a second database beside it would take
// the shared store's paths for invalid and delete them under another test. Everything a test
// changes is its own instead: profiles under its temp dirs, inputs at unique paths, and HOME /
// XDG_CACHE_HOME (nix-env's ~/.nix-defexpr, the flake caches) in a temp dir of this process.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { git } from "./config-repo.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * NIX_CONFIG for every nix call: flakes on; no build users, no sandbox (single-user, not root's
 * daemon); no substituters, else every build first waits on a binary cache it cannot reach.
 */
export const NIX_TEST_CONFIG = [
  "experimental-features = nix-command flakes",
  "build-users-group =",
  "sandbox = false",
  "substituters =",
].join("\n");

/** Does to `<profile>` what `nixos-rebuild switch` does: `switch-standin.sh <repo> <host> <profile>`. */
export const SWITCH_STANDIN = resolve(import.meta.dir, "../fixtures/nix/switch-standin.sh");

/** Does to `<profile>` what `nixos-rebuild switch --rollback` does: `rollback-standin.sh <profile> <N>`. */
export const ROLLBACK_STANDIN = resolve(import.meta.dir, "../fixtures/nix/rollback-standin.sh");

/** A host whose hosts/<host>/config.txt contains this fails to build. */
export const BUILD_FAILS = "build-fails";

let _home: string | undefined;

/** The environment for nix and the stand-in: NIX_CONFIG, and a HOME of this test process's own. */
export function nixEnv(extra: Record<string, string> = {}): Record<string, string> {
  _home ??= tempDir("nix-home");
  return {
    ...(process.env as Record<string, string>),
    NIX_CONFIG: NIX_TEST_CONFIG,
    HOME: _home,
    XDG_CACHE_HOME: join(_home, ".cache"),
    ...extra,
  };
}

/** Runs nix (or nix-env) and returns its stdout; throws with its stderr when it fails. */
export function nix(cwd: string, argv: string[]): string {
  const r = Bun.spawnSync(argv, { cwd, env: nixEnv(), stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${r.exitCode}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

/** The system string Nix builds for here, e.g. x86_64-linux (the flake cannot ask: pure eval). */
export function nixSystem(): string {
  const cpu = process.arch === "arm64" ? "aarch64" : "x86_64";
  return `${cpu}-${process.platform}`;
}

export interface NixConfigRepo {
  /** The config repo (a non-bare git repo, flake.lock committed): clone it for a host's checkout. */
  origin: string;
  /** Input name -> its local git repo. */
  inputs: Record<string, string>;
  /** Commits a new `value` to input `name`'s repo (not locked anywhere yet); returns its rev. */
  bumpInput(name: string, value: string): string;
  /** Commits hosts/<host>/config.txt to the origin (a new store path for it); returns the head. */
  setHostConfig(host: string, text: string): string;
  head(): string;
}

/** A config repo flake with `hosts.<name>` for each host and one local git repo per input. */
export function createNixConfigRepo(options: { hosts?: string[]; inputs?: string[] } = {}): NixConfigRepo {
  const hosts = options.hosts ?? ["web1"];
  const root = tempDir("nix-config");
  const inputs: Record<string, string> = {};
  for (const name of options.inputs ?? ["dep"]) {
    inputs[name] = join(root, `input-${name}`);
    mkdirSync(inputs[name], { recursive: true });
    git(inputs[name], "init", "-q", "-b", "main");
    _commitFile(inputs[name], "flake.nix", _inputFlake("v1"), "input v1");
  }
  const origin = join(root, "fleet-config");
  mkdirSync(origin, { recursive: true });
  git(origin, "init", "-q", "-b", "main");
  writeFileSync(join(origin, "flake.nix"), configFlake(hosts, inputs));
  for (const host of hosts) {
    mkdirSync(join(origin, "hosts", host), { recursive: true });
    writeFileSync(join(origin, "hosts", host, "config.txt"), `${host} v1\n`);
  }
  git(origin, "add", ".");
  nix(origin, ["nix", "flake", "lock"]);
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "initial config");
  const repo: NixConfigRepo = {
    origin,
    inputs,
    bumpInput(name, value) {
      const dir = inputs[name];
      if (!dir) throw new Error(`no input ${name}`);
      _commitFile(dir, "flake.nix", _inputFlake(value), `input ${value}`);
      return git(dir, "rev-parse", "HEAD");
    },
    setHostConfig(host, text) {
      _commitFile(origin, join("hosts", host, "config.txt"), `${text}\n`, `${host}: ${text}`);
      return repo.head();
    },
    head: () => git(origin, "rev-parse", "HEAD"),
  };
  return repo;
}

/**
 * The config repo's flake.nix: each host a derivation of /bin/sh writing its config, its inputs'
 * values and an `activate` script (which appends its store path to $FLEET_ACTIVATE_LOG if set, and
 * runs the host's own hosts/<host>/activate.sh when the commit has one, as a NixOS activation
 * script would: what a generation does to the machine when it is switched to).
 */
export function configFlake(hosts: string[], inputs: Record<string, string>): string {
  const names = Object.keys(inputs);
  const urls = Object.entries(inputs).map(([name, dir]) => `    ${name}.url = "git+file://${dir}";`);
  const list = (items: string[]) => items.map((i) => JSON.stringify(i)).join(" ");
  return `{
  description = "a fleet config repo for tests: hosts built from builtins alone";
  inputs = {
${urls.join("\n")}
  };
  outputs = { self, ... }@inputs:
    let
      inputValues = builtins.concatStringsSep " " (map (n: n + "=" + inputs.\${n}.value) [ ${list(names)} ]);
      host = name: builtins.derivation {
        name = "fleet-host-\${name}";
        system = "${nixSystem()}";
        builder = "/bin/sh";
        hostName = name;
        config = builtins.readFile (./hosts + "/\${name}/config.txt");
        hostActivation = let script = ./hosts + "/\${name}/activate.sh"; in
          if builtins.pathExists script then builtins.readFile script else "";
        inherit inputValues;
        args = [ "-c" ''
          case "$config" in *${BUILD_FAILS}*) echo "hosts/$hostName/config.txt asks this build to fail" >&2; exit 1;; esac
          /bin/mkdir "$out"
          printf '%s' "$config" > "$out/config.txt"
          printf '%s\\n' "$inputValues" > "$out/inputs.txt"
          {
            echo '#!/bin/sh'
            echo "echo activated $hostName"
            echo 'if [ -n "''\${FLEET_ACTIVATE_LOG:-}" ]; then echo "$(cd "$(dirname "$0")" && pwd)" >> "$FLEET_ACTIVATE_LOG"; fi'
            if [ -n "$hostActivation" ]; then echo '/bin/sh "$(dirname "$0")/host-activation.sh"'; fi
          } > "$out/activate"
          printf '%s' "$hostActivation" > "$out/host-activation.sh"
          /bin/chmod +x "$out/activate"
        '' ];
      };
    in {
      hosts = builtins.listToAttrs (map (n: { name = n; value = host n; }) [ ${list(hosts)} ]);
    };
}
`;
}

/** Runs the switch stand-in for `host` from `repo` onto `profile`. */
export function switchWithStandin(
  repo: string,
  host: string,
  profile: string,
  env: Record<string, string> = {},
) {
  const r = Bun.spawnSync([SWITCH_STANDIN, repo, host, profile], {
    env: nixEnv(env),
    stdout: "pipe",
    stderr: "pipe",
  });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function _inputFlake(value: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(value)) throw new Error(`input values are plain words, not ${value}`);
  return `{ outputs = _: { value = "${value}"; }; }\n`;
}

function _commitFile(dir: string, file: string, content: string, message: string): void {
  writeFileSync(join(dir, file), content);
  git(dir, "add", ".");
  git(dir, "commit", "-qm", message);
}
