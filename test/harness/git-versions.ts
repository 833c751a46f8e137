// Two real builds' version strings, from a throwaway git repository and scripts/build.ts's own
// resolveVersion, chosen so that text order gets them the wrong way round: the newer commit's
// hash sorts before the older one's, and so does its version string (dev.10 < dev.9 as text).
// This is the case that made half of all untagged builds refuse to update (issue 14).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveVersion } from "../../scripts/build.ts";
import { git } from "./config-repo.ts";
import { tempDir } from "./temp-dir.ts";

export interface WrongWayRound {
  repo: string;
  older: { version: string; hash: string };
  newer: { version: string; hash: string };
}

/** Commits 9 and 10 of a repo whose package.json says 0.1.0; commit 10 is re-made until its hash sorts first. */
export function versionsThatSortWrongAsText(): WrongWayRound {
  const repo = tempDir("versions-repo");
  git(repo, "init", "-q");
  writeFileSync(join(repo, "package.json"), '{ "name": "fleet", "version": "0.1.0" }\n');
  for (let i = 1; i <= 9; i++) {
    writeFileSync(join(repo, "n.txt"), `${i}\n`);
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", `commit ${i}`);
  }
  const older = { version: _resolve(repo), hash: git(repo, "rev-parse", "--short", "HEAD") };
  writeFileSync(join(repo, "n.txt"), "10\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "commit 10");
  // Each new message gives another hash; half of them sort before the older one's.
  for (let attempt = 0; git(repo, "rev-parse", "--short", "HEAD") >= older.hash; attempt++) {
    git(repo, "commit", "-q", "--amend", "-m", `commit 10, take ${attempt}`);
  }
  const newer = { version: _resolve(repo), hash: git(repo, "rev-parse", "--short", "HEAD") };
  return { repo, older, newer };
}

/** As a build would, but from `repo`: an inherited FLEET_VERSION must not decide it. */
function _resolve(repo: string): string {
  const saved = process.env.FLEET_VERSION;
  delete process.env.FLEET_VERSION;
  try {
    return resolveVersion(undefined, repo);
  } finally {
    if (saved !== undefined) process.env.FLEET_VERSION = saved;
  }
}
