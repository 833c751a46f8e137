// Version order for the downgrade refusal, case by case: every shape scripts/build.ts makes,
// hand-set versions, and the pairs that text order gets wrong.
import { describe, expect, test } from "bun:test";
import { compareVersions, isDowngrade } from "../../agent/update/versions.ts";

const cases: [string, string, -1 | 0 | 1 | null, string][] = [
  // Untagged builds (package.json version, commits since the root, hash).
  ["0.1.0-dev.103-gb6fea9c", "0.1.0-dev.104-ga1b2c3d", -1, "a later commit, whose hash sorts first as text"],
  ["0.1.0-dev.9-gffffff0", "0.1.0-dev.10-g0000000", -1, "dev.10 is after dev.9, though not as text"],
  ["0.1.0-dev.103-gb6fea9c", "0.1.0-dev.103-ga1b2c3d", null, "same commit count, other commit: no order"],
  ["0.1.0-dev.103-gb6fea9c", "0.1.0-dev.103-gb6fea9c-dirty", null, "the same commit, dirty: no order"],
  ["0.1.0-dev.103-gb6fea9c-dirty", "0.1.0-dev.104-ga1b2c3d", -1, "a dirty tree is still its commit's"],
  ["0.1.0-dev.500-gb6fea9c", "0.1.0", -1, "the release after the untagged builds leading to it"],
  ["0.1.0-dev.500-gb6fea9c", "0.2.0-dev.3-g1234567", -1, "package.json moved on"],
  // Tagged builds (git describe).
  ["0.1.0", "0.1.0-1-ga1b2c3d", -1, "a commit after the tag"],
  ["v1.4.0-3-gabc1234", "v1.4.0-12-gdef5678", -1, "more commits after the same tag"],
  ["1.4.0-12-gdef5678", "1.5.0", -1, "the next tag"],
  ["1.4.0-3-gabc1234", "1.4.0-3-gabc1234-dirty", null, "dirty build of the same commit"],
  ["1.4.0-3-gabc1234", "1.4.0-3-gabc12", null, "hashes of different length: other builds, unordered"],
  ["v1.10.0", "v1.9.3", 1, "numbers compare as numbers"],
  ["v1.4.0", "1.4.0", 0, "the tag and its version"],
  ["1.0.0-rc.1", "1.0.0", -1, "a release candidate comes before the release"],
  ["1.0.0-rc.1-2-gabc1234", "1.0.0-rc.2", -1, "commits after rc.1 come before rc.2"],
  ["1.0.0-rc.1-2-gabc1234", "1.0.0", -1, "and before the release"],
  // Set by hand, as the e2e tests do.
  ["1.0.0-test", "2.0.0-test", -1, "hand-set versions order by their numbers"],
  ["2.0.0-test", "3.0.0-test", -1, "..."],
  ["2.0.0", "2.0.0", 0, "equal"],
  ["1.0.0-test", "1.0.0", -1, "a hand-set pre-release of a version is before it"],
  // Versions of no known shape.
  ["b6fea9c", "a1b2c3d", null, "bare hashes (builds before the scheme): no order, never a downgrade"],
  ["b6fea9c", "0.1.0-dev.104-ga1b2c3d", null, "from a bare hash to the scheme: no order"],
  ["0.0.0-dev", "0.1.0-dev.2-g1234567", -1, "the no-git fallback is before everything"],
];

describe("compareVersions", () => {
  for (const [a, b, expected, why] of cases) {
    test(`${a} vs ${b}: ${why}`, () => {
      expect(compareVersions(a, b)).toBe(expected);
      // The order is antisymmetric: the same pair the other way round says the opposite.
      expect(compareVersions(b, a)).toBe(expected === null ? null : ((-expected || 0) as -1 | 0 | 1));
    });
  }

  test("two hashes that sort the wrong way round as text are ordered by their commit count", () => {
    const older = "0.1.0-dev.103-gb6fea9c";
    const newer = "0.1.0-dev.104-ga1b2c3d";
    expect("a1b2c3d" < "b6fea9c").toBe(true);
    expect(isDowngrade(older, newer)).toBe(false);
    expect(isDowngrade(newer, older)).toBe(true);
  });

  test("an unordered pair is not a downgrade either way", () => {
    expect(isDowngrade("0.1.0-dev.103-gb6fea9c", "0.1.0-dev.103-ga1b2c3d")).toBe(false);
    expect(isDowngrade("0.1.0-dev.103-ga1b2c3d", "0.1.0-dev.103-gb6fea9c")).toBe(false);
    expect(isDowngrade("b6fea9c", "a1b2c3d")).toBe(false);
  });
});
