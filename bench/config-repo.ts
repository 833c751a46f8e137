// The config repo fleetd is pointed at (--config-repo), so that the hosts' reports are compared
// with a real target: a local git repo with two commits, the second of which (a flake.lock bump)
// is the branch head. The simulated hosts report real commits of it (see generator/host-state.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BenchConfigRepo {
  url: string;
  branch: string;
  /** Oldest first; the last is the target. */
  commits: [string, string];
}

export function createConfigRepo(dir: string): BenchConfigRepo {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => {
    const res = Bun.spawnSync(["git", "-C", dir, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "bench",
        GIT_AUTHOR_EMAIL: "bench@example.invalid",
        GIT_COMMITTER_NAME: "bench",
        GIT_COMMITTER_EMAIL: "bench@example.invalid",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (res.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr.toString()}`);
    return res.stdout.toString().trim();
  };
  const commit = (file: string, text: string, subject: string) => {
    writeFileSync(join(dir, file), text);
    git("add", file);
    git("commit", "--quiet", "-m", subject);
    return git("rev-parse", "HEAD");
  };
  git("init", "--quiet", "--initial-branch=main");
  const first = commit("flake.nix", "{ outputs = _: { }; }\n", "hosts: enable the node exporter on web");
  const second = commit(
    "flake.lock",
    '{ "nodes": {}, "version": 7 }\n',
    "nixpkgs: bump to 24.05 (flake.lock)",
  );
  return { url: `file://${dir}`, branch: "main", commits: [first, second] };
}
