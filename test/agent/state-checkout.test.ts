// readCheckout on real git checkouts: what HEAD is, dirtiness as `git status` sees tracked files,
// a detached HEAD, the remote commit and time of the last fetch, flake.lock's hash and inputs
// (hand-written, and under the nix tier as `nix flake lock --update-input` really writes it).
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCheckout } from "../../agent/state/checkout.ts";
import { CheckoutState } from "../../protocol/config-state.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { createConfigRepo, git, tempDir } from "../harness/index.ts";
import { createNixConfigRepo, nix } from "../harness/nix.ts";

const options = { remote: "origin", branch: "main", limits: { timeoutMs: 10_000, killGraceMs: 1_000 } };
const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/agent/state-checkout: skipping the nix tier's flake.lock test: ${noNix}`);

function clone(origin: string): string {
  const dir = join(tempDir("checkout"), "config");
  git(tempDir("clone-cwd"), "clone", "-q", origin, dir);
  return dir;
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const commitTime = (dir: string, rev = "HEAD") =>
  new Date(Number(git(dir, "log", "-1", "--format=%ct", rev)) * 1000).toISOString();

describe("readCheckout on a git checkout", () => {
  test("a clean clone: HEAD, branch, subject, time, its upstream, never fetched, no flake.lock", async () => {
    const origin = createConfigRepo();
    const dir = clone(origin.origin);
    const state = await readCheckout(dir, options);
    expect(state).toEqual({
      commit: origin.head(),
      branch: "main",
      subject: "initial",
      committedAt: commitTime(dir),
      dirty: false,
      remoteCommit: origin.head(),
      fetchedAt: null,
      lockHash: null,
      lockInputs: [],
    });
    expect(CheckoutState.parse(state)).toEqual(state!);
  });

  test("an edited tracked file is dirty; an untracked file is not", async () => {
    const dir = clone(createConfigRepo().origin);
    writeFileSync(join(dir, "notes.txt"), "untracked\n");
    expect((await readCheckout(dir, options))?.dirty).toBe(false);
    writeFileSync(join(dir, "flake.nix"), "{ outputs = _: { edited = true; }; }\n");
    expect((await readCheckout(dir, options))?.dirty).toBe(true);
    git(dir, "checkout", "--", "flake.nix");
    expect((await readCheckout(dir, options))?.dirty).toBe(false);
  });

  test("a detached HEAD has no branch; the remote commit is then the configured branch's", async () => {
    const origin = createConfigRepo();
    const first = origin.head();
    origin.commit("a.txt", "a");
    const dir = clone(origin.origin);
    git(dir, "checkout", "-q", "--detach", first);
    const state = await readCheckout(dir, options);
    expect({ commit: state?.commit, branch: state?.branch, remote: state?.remoteCommit }).toEqual({
      commit: first,
      branch: null,
      remote: origin.head(),
    });
    expect((await readCheckout(dir, { limits: options.limits }))?.remoteCommit).toBeNull();
  });

  test("after a fetch: the remote's new commit and when the fetch was; HEAD stays", async () => {
    const origin = createConfigRepo();
    const dir = clone(origin.origin);
    const before = origin.head();
    const pushed = origin.commit("b.txt", "b");
    git(dir, "fetch", "-q", "origin", "main");
    const fetchHead = join(dir, ".git", "FETCH_HEAD");
    // An old fetch, so its time cannot be mistaken for "now".
    const then = new Date("2026-01-02T03:04:05.000Z");
    utimesSync(fetchHead, then, then);
    const state = await readCheckout(dir, options);
    expect({ commit: state?.commit, remote: state?.remoteCommit, fetchedAt: state?.fetchedAt }).toEqual({
      commit: before,
      remote: pushed,
      fetchedAt: statSync(fetchHead).mtime.toISOString(),
    });
    expect(state?.fetchedAt).toBe(then.toISOString());
  });

  test("a branch without an upstream or remote branch has no remote commit", async () => {
    const dir = clone(createConfigRepo().origin);
    git(dir, "checkout", "-q", "-b", "local-only");
    const state = await readCheckout(dir, { ...options, branch: undefined });
    expect({ branch: state?.branch, remote: state?.remoteCommit }).toEqual({
      branch: "local-only",
      remote: null,
    });
  });

  test("not a checkout: a missing dir, a plain dir inside a checkout, a repo without commits", async () => {
    const dir = clone(createConfigRepo().origin);
    mkdirSync(join(dir, "hosts"), { recursive: true });
    const empty = tempDir("empty-repo");
    git(empty, "init", "-q");
    expect(await readCheckout(join(dir, "no-such-dir"), options)).toBeNull();
    expect(await readCheckout(join(dir, "hosts"), options)).toBeNull();
    expect(await readCheckout(empty, options)).toBeNull();
  });
});

describe("flake.lock in the checkout", () => {
  test("its hash and each root input's locked rev and lastModified, follows resolved", async () => {
    const dir = clone(createConfigRepo().origin);
    const rev = "a".repeat(40);
    const lock = {
      nodes: {
        nixpkgs: { locked: { rev, lastModified: 1_700_000_000, type: "github" } },
        home: {
          inputs: { nixpkgs: ["nixpkgs"] },
          locked: { rev: "b".repeat(40), lastModified: 1_600_000_000 },
        },
        local: { locked: { type: "path", path: "/srv/x", narHash: "sha256-x" } },
        root: { inputs: { nixpkgs: "nixpkgs", home: "home", pinned: ["home", "nixpkgs"], local: "local" } },
      },
      root: "root",
      version: 7,
    };
    writeFileSync(join(dir, "flake.lock"), JSON.stringify(lock, null, 2));
    const state = await readCheckout(dir, options);
    expect(state?.lockHash).toBe(sha256(join(dir, "flake.lock")));
    expect(state?.lockInputs).toEqual([
      { name: "home", rev: "b".repeat(40), lastModified: new Date(1_600_000_000_000).toISOString() },
      { name: "local", rev: null, lastModified: null },
      { name: "nixpkgs", rev, lastModified: new Date(1_700_000_000_000).toISOString() },
      { name: "pinned", rev, lastModified: new Date(1_700_000_000_000).toISOString() },
    ]);
  });

  test("a flake.lock that is not Nix's JSON still has a hash, and no inputs", async () => {
    const dir = clone(createConfigRepo().origin);
    writeFileSync(join(dir, "flake.lock"), '{"nodes": {"root": {"inputs": {"x": ["x", "x"]}}}, "root": "ro');
    const state = await readCheckout(dir, options);
    expect({ hash: state?.lockHash, inputs: state?.lockInputs }).toEqual({
      hash: sha256(join(dir, "flake.lock")),
      inputs: [],
    });
  });

  test.skipIf(Boolean(noNix))(
    "after `nix flake lock --update-input`: a new hash and the input's new rev",
    async () => {
      const repo = createNixConfigRepo({ inputs: ["dep", "extra"] });
      const dir = clone(repo.origin);
      const before = await readCheckout(dir, options);
      const depRev = git(repo.inputs.dep!, "rev-parse", "HEAD");
      expect(before?.lockInputs).toEqual([
        { name: "dep", rev: depRev, lastModified: commitTime(repo.inputs.dep!) },
        {
          name: "extra",
          rev: git(repo.inputs.extra!, "rev-parse", "HEAD"),
          lastModified: commitTime(repo.inputs.extra!),
        },
      ]);
      expect(before?.lockHash).toBe(sha256(join(dir, "flake.lock")));

      const bumped = repo.bumpInput("dep", "v2");
      nix(dir, ["nix", "flake", "lock", "--update-input", "dep"]);
      const after = await readCheckout(dir, options);
      expect(after?.lockHash).not.toBe(before?.lockHash);
      expect(after?.lockHash).toBe(sha256(join(dir, "flake.lock")));
      expect(after?.lockInputs.map((i) => [i.name, i.rev])).toEqual([
        ["dep", bumped],
        ["extra", before?.lockInputs[1]?.rev ?? "(missing)"],
      ]);
      // flake.lock is tracked: an update not committed yet is an edit of the checkout.
      expect(after?.dirty).toBe(true);
    },
  );
});
