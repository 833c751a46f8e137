// Ordering of version strings, for refusing downgrades. scripts/build.ts versions every build
// so that this order is right by construction (docs/update.md, "Version strings"):
//   1.4.0                 a tagged release (tag v1.4.0)
//   1.4.0-3-gabc1234      3 commits after tag v1.4.0 (git describe): after the release
//   0.1.0-dev.103-gabc12  untagged: commit 103 on the way to package.json's 0.1.0, before it
//   1.0.0-test            set by hand (--version, FLEET_VERSION): a pre-release of 1.0.0
// The hash and "-dirty" name a build but never order it: two builds at the same position with
// different hashes (sibling branches, a dirty tree) have no order, and compareVersions says so.

/** -1 older, 1 newer, 0 the same build, null when nothing says which is newer. */
export type VersionOrder = -1 | 0 | 1 | null;

interface ParsedVersion {
  base: number[];
  /** Pre-release identifiers ("dev", 103); empty for a release. */
  pre: (number | string)[];
  /** Commits after the tag the base came from (git describe); -1 when at the tag itself. */
  post: number;
  hash: string | null;
  dirty: boolean;
}

export function compareVersions(a: string, b: string): VersionOrder {
  if (a === b) return 0;
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  // A version of no known shape (a bare hash from a build before this scheme) has no order.
  if (!pa || !pb) return null;
  const position =
    _compareNumbers(pa.base, pb.base) || _comparePre(pa.pre, pb.pre) || Math.sign(pa.post - pb.post);
  if (position) return position as -1 | 1;
  return pa.hash === pb.hash && pa.dirty === pb.dirty ? 0 : null;
}

/** True only when `to` is known to be older than `from`: an unordered pair is not a downgrade. */
export function isDowngrade(from: string, to: string): boolean {
  return compareVersions(to, from) === -1;
}

export function parseVersion(version: string): ParsedVersion | null {
  let rest = version.startsWith("v") ? version.slice(1) : version;
  const dirty = rest.endsWith("-dirty");
  if (dirty) rest = rest.slice(0, -"-dirty".length);
  let post = -1;
  let hash: string | null = null;
  const described = /^(.*)-(\d+)-g([0-9a-f]+)$/.exec(rest);
  const hashed = described ? null : /^(.*)-g([0-9a-f]+)$/.exec(rest);
  if (described) {
    rest = described[1]!;
    post = Number(described[2]);
    hash = described[3]!;
  } else if (hashed) {
    rest = hashed[1]!;
    hash = hashed[2]!;
  }
  const m = /^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/.exec(rest);
  if (!m) return null;
  const pre = m[2] ? m[2].split(".").map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { base: m[1]!.split(".").map(Number), pre, post, hash, dirty };
}

function _compareNumbers(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/** Semver's rule: a release is after its pre-releases; numbers before words; a longer list after its prefix. */
function _comparePre(a: (number | string)[], b: (number | string)[]): number {
  if (!a.length || !b.length) return Math.sign(b.length - a.length);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return Math.sign(x - y);
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
