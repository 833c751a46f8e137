// scripts/build.ts's version strings, from real git repositories: tagged, after a tag,
// untagged, dirty; and an explicit version or FLEET_VERSION still wins.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareVersions } from "../../agent/update/versions.ts";
import { resolveVersion } from "../../scripts/build.ts";
import { git } from "../harness/config-repo.ts";
import { versionsThatSortWrongAsText } from "../harness/git-versions.ts";
import { tempDir } from "../harness/temp-dir.ts";

const savedEnv = process.env.FLEET_VERSION;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.FLEET_VERSION;
  else process.env.FLEET_VERSION = savedEnv;
});

function repoWith(commits: number): string {
  const repo = tempDir("version-repo");
  git(repo, "init", "-q");
  writeFileSync(join(repo, "package.json"), '{ "version": "0.3.0" }\n');
  for (let i = 1; i <= commits; i++) commit(repo, i);
  return repo;
}

function commit(repo: string, i: number): void {
  writeFileSync(join(repo, "n.txt"), `${i}\n`);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", `commit ${i}`);
}

const short = (repo: string) => git(repo, "rev-parse", "--short", "HEAD");

describe("resolveVersion", () => {
  test("untagged: package.json version, commits since the root, hash", () => {
    delete process.env.FLEET_VERSION;
    const repo = repoWith(3);
    expect(resolveVersion(undefined, repo)).toBe(`0.3.0-dev.3-g${short(repo)}`);
    writeFileSync(join(repo, "n.txt"), "changed\n");
    expect(resolveVersion(undefined, repo)).toBe(`0.3.0-dev.3-g${short(repo)}-dirty`);
  });

  test("at a tag: the tag's version; after it: git describe's commits since the tag", () => {
    delete process.env.FLEET_VERSION;
    const repo = repoWith(2);
    const untagged = resolveVersion(undefined, repo);
    git(repo, "tag", "v0.3.0");
    const release = resolveVersion(undefined, repo);
    expect(release).toBe("0.3.0");
    commit(repo, 3);
    const after = resolveVersion(undefined, repo);
    expect(after).toBe(`0.3.0-1-g${short(repo)}`);
    // Tagging the version the untagged builds were heading for never turns the order round.
    expect(compareVersions(untagged, release)).toBe(-1);
    expect(compareVersions(release, after)).toBe(-1);
  });

  test("tags that are not v<number> are not versions", () => {
    delete process.env.FLEET_VERSION;
    const repo = repoWith(1);
    git(repo, "tag", "deployed-friday");
    expect(resolveVersion(undefined, repo)).toBe(`0.3.0-dev.1-g${short(repo)}`);
  });

  test("an explicit version, then FLEET_VERSION, win over git", () => {
    const repo = repoWith(1);
    process.env.FLEET_VERSION = "9.9.9-env";
    expect(resolveVersion("1.0.0-test", repo)).toBe("1.0.0-test");
    expect(resolveVersion(undefined, repo)).toBe("9.9.9-env");
  });

  test("two real commits whose hashes and versions sort the wrong way round as text are ordered", () => {
    const { older, newer } = versionsThatSortWrongAsText();
    expect(newer.hash < older.hash).toBe(true);
    expect(newer.version < older.version).toBe(true);
    expect(compareVersions(older.version, newer.version)).toBe(-1);
  });
});
