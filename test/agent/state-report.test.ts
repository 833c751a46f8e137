// readHostState assembles one HostState from a real checkout, a profile and the runner's records
// (under the nix tier: a real profile, switched as a runner would, records included), and
// hostStateHash is the same for equal states whatever their key order and different for any change.
import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import { recordSwitch, recordTest } from "../../agent/state/records.ts";
import { readConfigCheckout, readConfigSystem, readHostState } from "../../agent/state/report.ts";
import { hostStateHash } from "../../agent/state/state-hash.ts";
import { HostState } from "../../protocol/config-state.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { encodeReport } from "../../server/store/records/host-report.ts";
import { createConfigRepo, git, tempDir } from "../harness/index.ts";
import { BUILD_FAILS, createNixConfigRepo, switchWithStandin } from "../harness/nix.ts";

const noNix = tierSkipReason("nix");
if (noNix) console.warn(`test/agent/state-report: skipping the real-profile report: ${noNix}`);

const sample: HostState = {
  checkout: {
    commit: "a".repeat(40),
    branch: "main",
    subject: "web1: more workers",
    committedAt: "2026-01-01T00:00:00.000Z",
    dirty: false,
    remoteCommit: "b".repeat(40),
    fetchedAt: "2026-01-01T00:01:00.000Z",
    lockHash: "c".repeat(64),
    lockInputs: [{ name: "nixpkgs", rev: "d".repeat(40), lastModified: "2025-12-01T00:00:00.000Z" }],
  },
  system: { generation: 412, path: "/nix/store/x-system", needsReboot: false },
  lastSwitch: { commit: "a".repeat(40), dirty: false, generation: 412, at: "2026-01-01T00:02:00.000Z" },
  lastSwitchFailed: false,
  lastTest: { passed: true, at: "2026-01-01T00:03:00.000Z" },
  generations: [{ generation: 412, commit: "a".repeat(40), at: "2026-01-01T00:02:00.000Z" }],
};

/** Every leaf of `value` with a changed copy of the whole state for it. */
function* mutations(value: unknown, set: (v: unknown) => HostState): Generator<[string, HostState]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries())
      yield* mutations(item, (v) => set(value.map((x, j) => (j === i ? v : x))));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value))
      yield* Array.from(
        mutations(item, (v) => set({ ...value, [key]: v })),
        ([p, s]): [string, HostState] => [`${key}.${p}`, s],
      );
  } else {
    const changed =
      typeof value === "boolean"
        ? !value
        : typeof value === "number"
          ? value + 1
          : value === null
            ? "x"
            : `${value}x`;
    yield ["", set(changed)];
    if (value !== null) yield ["(null)", set(null)];
  }
}

describe("hostStateHash", () => {
  test("the same for the same state built in another key order", () => {
    const shuffled: HostState = {
      generations: sample.generations.map((g) => ({ at: g.at, commit: g.commit, generation: g.generation })),
      lastTest: sample.lastTest,
      lastSwitchFailed: false,
      lastSwitch: sample.lastSwitch,
      system: { needsReboot: false, path: "/nix/store/x-system", generation: 412 },
      checkout: Object.fromEntries(Object.entries(sample.checkout!).reverse()) as HostState["checkout"],
    };
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(sample));
    expect(hostStateHash(shuffled)).toBe(hostStateHash(sample));
    expect(hostStateHash(sample)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("changed by any field", () => {
    const seen = new Set([hostStateHash(sample)]);
    let count = 0;
    for (const [path, changed] of mutations(sample, (v) => v as HostState)) {
      const hash = hostStateHash(changed);
      expect({ path, changed: !seen.has(hash) }).toEqual({ path, changed: true });
      seen.add(hash);
      count++;
    }
    expect(count).toBeGreaterThan(30);
  });

  test("is the hash fleetd stores the report under, so a hello may name it by hash alone", () => {
    const shuffled = JSON.parse(JSON.stringify({ ...sample, checkout: { ...sample.checkout } }));
    expect(hostStateHash(shuffled)).toBe(encodeReport(HostState.parse(sample)).hash);
  });
});

describe("readHostState", () => {
  const config = (extra: object) =>
    AgentConfig.parse({ server: "http://fleet.test", name: "web1", ...extra });

  test("a checkout, a profile and the records, each generation with the commit it was built from", async () => {
    const origin = createConfigRepo();
    const dir = join(tempDir("report"), "config");
    git(tempDir("clone-cwd"), "clone", "-q", origin.origin, dir);
    const profiles = tempDir("profiles");
    for (const n of [1, 2]) {
      mkdirSync(join(profiles, `store-${n}`));
      symlinkSync(join(profiles, `store-${n}`), join(profiles, `system-${n}-link`));
    }
    symlinkSync("system-2-link", join(profiles, "system"));
    const stateDir = tempDir("state");
    recordSwitch(stateDir, { ok: true, commit: origin.head(), dirty: false, generation: 2 });
    const state = await readHostState(
      config({ repo: { dir }, system: { profile: join(profiles, "system") } }),
      stateDir,
      { nixos: false },
    );
    expect(HostState.parse(state)).toEqual(state);
    expect(state).toMatchObject({
      checkout: { commit: origin.head(), branch: "main", dirty: false },
      system: { generation: 2, path: join(profiles, "store-2"), needsReboot: null },
      lastSwitch: { commit: origin.head(), generation: 2 },
      lastSwitchFailed: false,
      lastTest: null,
    });
    expect(state.generations.map((g) => [g.generation, g.commit])).toEqual([
      [2, origin.head()],
      [1, null],
    ]);
    const again = await readHostState(
      config({ repo: { dir }, system: { profile: join(profiles, "system") } }),
      stateDir,
      { nixos: false },
    );
    expect(hostStateHash(again)).toBe(hostStateHash(state));
  });

  test("no repo and no profile: checkout and system null, not guessed", async () => {
    const state = await readHostState(config({ switch: ["/srv/bin/apply"] }), tempDir("state"), {
      profile: null,
      nixos: false,
    });
    expect(state).toEqual({
      checkout: null,
      system: null,
      lastSwitch: null,
      lastSwitchFailed: false,
      lastTest: null,
      generations: [],
    });
  });

  test.skipIf(Boolean(noNix))(
    "real switches recorded as the runner will: built-from, failure, hash per change",
    async () => {
      const repo = createNixConfigRepo({ hosts: ["web1"] });
      const dir = join(tempDir("report-nix"), "config");
      git(tempDir("clone-cwd"), "clone", "-q", repo.origin, dir);
      const profile = join(tempDir("profiles"), "system");
      const stateDir = tempDir("state");
      const cfg = config({ repo: { dir }, system: { profile } });
      const read = () => readHostState(cfg, stateDir, { nixos: false });
      /** What the runner is to do around a switch: the checkout before, the generation after. */
      const switchAndRecord = async () => {
        const checkout = await readConfigCheckout(cfg);
        const ok = switchWithStandin(dir, "web1", profile).exitCode === 0;
        const { system } = await readConfigSystem(cfg, { nixos: false });
        recordSwitch(stateDir, {
          ok,
          commit: checkout?.commit ?? null,
          dirty: checkout?.dirty ?? false,
          generation: system?.generation ?? null,
        });
        return ok;
      };

      expect(await switchAndRecord()).toBe(true);
      const first = git(dir, "rev-parse", "HEAD");
      const one = await read();
      expect(hostStateHash(await read())).toBe(hostStateHash(one));
      const second = repo.setHostConfig("web1", "web1 v2");
      git(dir, "pull", "-q");
      const pulled = await read();
      expect(pulled.checkout?.commit).toBe(second);
      expect(hostStateHash(pulled)).not.toBe(hostStateHash(one));
      expect(await switchAndRecord()).toBe(true);
      recordTest(stateDir, { passed: true });
      const two = await read();
      expect(two).toMatchObject({
        system: { generation: 2 },
        lastSwitch: { commit: second, generation: 2 },
        lastSwitchFailed: false,
        lastTest: { passed: true },
      });
      expect(two.generations.map((g) => [g.generation, g.commit])).toEqual([
        [2, second],
        [1, first],
      ]);

      repo.setHostConfig("web1", BUILD_FAILS);
      git(dir, "pull", "-q");
      expect(await switchAndRecord()).toBe(false);
      const failed = await read();
      expect(failed).toMatchObject({
        system: two.system!,
        lastSwitch: two.lastSwitch!,
        lastSwitchFailed: true,
      });
      expect(failed.generations).toEqual(two.generations);
      expect(HostState.parse(failed)).toEqual(failed);
    },
  );
});
