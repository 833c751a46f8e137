// What fleetctl prints of each host's config: the CONFIG and GEN columns for every state fleetd
// derives, -o wide's tags, lock, built from and needs reboot, the target line above the table
// (or why there is none), `host <name>`'s config and generations, and `target`'s detail.
import { beforeAll, expect, test } from "bun:test";
import { formatHostDetail } from "../../cli/commands/host.ts";
import { formatTargetDetail, parsePinCommit } from "../../cli/commands/target.ts";
import {
  formatConfigCell,
  formatGenerations,
  formatTargetHeader,
  formatTargetLine,
} from "../../cli/format/config.ts";
import { formatHostsTable } from "../../cli/format/hosts.ts";
import {
  type ConfigStateName,
  type ConfigTarget,
  type ConfigTargetResponse,
  type HostConfig,
  UNKNOWN_HOST_CONFIG,
} from "../../protocol/index.ts";
import { makeHost, NOW, secondsAgo } from "./fixtures.ts";

beforeAll(() => {
  process.env.NO_COLOR = "1";
});

const A = `a1b2c3d${"0".repeat(33)}`;
const B = `b2c3d4e${"1".repeat(33)}`;
const LOCK = `e5f6a7b${"2".repeat(57)}`;

const config = (state: ConfigStateName, overrides: Partial<HostConfig> = {}): HostConfig => ({
  commit: A,
  state,
  behindBy: state === "behind" ? 3 : 0,
  dirty: state === "dirty",
  lockHash: LOCK,
  builtFrom: A,
  switchedAt: secondsAgo(600),
  ...overrides,
});

const target: ConfigTarget = {
  commit: B,
  source: "repo",
  subject: "hosts: web1 gets nginx",
  committedAt: secondsAgo(300),
  checkedAt: secondsAgo(10),
};

test("CONFIG: the short commit and the state for each of the seven, behind with its count", () => {
  const cells = (["current", "untested", "pulled", "behind", "dirty", "failed", "unknown"] as const).map(
    (state) => formatConfigCell(config(state)),
  );
  expect(cells).toEqual([
    "a1b2c3d current",
    "a1b2c3d untested",
    "a1b2c3d pulled",
    "a1b2c3d behind 3",
    "a1b2c3d dirty",
    "a1b2c3d failed",
    "a1b2c3d unknown",
  ]);
  // Without a mirror fleetd cannot count, and says so with null: no number is made up.
  expect(formatConfigCell(config("behind", { behindBy: null }))).toBe("a1b2c3d behind");
  expect(formatConfigCell(UNKNOWN_HOST_CONFIG)).toBe("- unknown");
});

test("hosts table: CONFIG and GEN for every state, a host that never reported, sorted by name", () => {
  const states = ["current", "untested", "pulled", "behind", "dirty", "failed", "unknown"] as const;
  const hosts = states.map((state, i) =>
    makeHost({
      id: `h_${i}`,
      name: `${state}1`,
      config: config(state),
      system: { generation: 410 + i, path: `/nix/store/x-${i}`, needsReboot: false },
    }),
  );
  hosts.push(makeHost({ id: "h_9", name: "zz-new" }));
  const lines = formatHostsTable(hosts, NOW).split("\n");
  expect(lines[0]).toBe(
    "NAME       ID   STATUS  VERSION  CONFIG            GEN      LAST SEEN  RUNNING  FAILING",
  );
  expect(lines.slice(1)).toEqual([
    "behind1    h_3  online  1.0.0    a1b2c3d behind 3  gen 413  3s ago     -        -",
    "current1   h_0  online  1.0.0    a1b2c3d current   gen 410  3s ago     -        -",
    "dirty1     h_4  online  1.0.0    a1b2c3d dirty     gen 414  3s ago     -        -",
    "failed1    h_5  online  1.0.0    a1b2c3d failed    gen 415  3s ago     -        -",
    "pulled1    h_2  online  1.0.0    a1b2c3d pulled    gen 412  3s ago     -        -",
    "unknown1   h_6  online  1.0.0    a1b2c3d unknown   gen 416  3s ago     -        -",
    "untested1  h_1  online  1.0.0    a1b2c3d untested  gen 411  3s ago     -        -",
    "zz-new     h_9  online  1.0.0    - unknown         -        3s ago     -        -",
  ]);
});

test("-o wide: built from, the short lock hash, needs reboot and the tags", () => {
  const hosts = [
    makeHost({
      config: config("untested", { builtFrom: B }),
      system: { generation: 412, path: "/nix/store/x", needsReboot: true },
      tags: ["web", "eu"],
    }),
    makeHost({
      id: "h_2",
      name: "web2",
      config: config("pulled", { lockHash: null, builtFrom: null }),
      system: { generation: null, path: null, needsReboot: null },
    }),
  ];
  const lines = formatHostsTable(hosts, NOW, "wide").split("\n");
  expect(lines[0]).toStartWith(
    "NAME  ID   STATUS  VERSION  CONFIG            GEN      BUILT FROM  LOCK     NEEDS REBOOT  PLATFORM",
  );
  expect(lines[0]).toEndWith("FAILING  TAGS");
  expect(lines[1]).toStartWith(
    "web1  h_1  online  1.0.0    a1b2c3d untested  gen 412  b2c3d4e     e5f6a7b  yes           linux/x64",
  );
  expect(lines[1]).toEndWith("-        web,eu");
  expect(lines[2]).toStartWith(
    "web2  h_2  online  1.0.0    a1b2c3d pulled    -        -           -        -             linux/x64",
  );
  expect(lines[2]).toEndWith("-        -");
});

test("the target line: short commit, subject, where it comes from and its age", () => {
  expect(formatTargetLine(target, NOW)).toBe('target b2c3d4e "hosts: web1 gets nginx" (from repo, 5m ago)');
  const pinned = { ...target, source: "pin" as const, subject: null, committedAt: null };
  expect(formatTargetLine(pinned, NOW)).toBe("target b2c3d4e (pinned, checked 10s ago)");
  const fetched = { ...pinned, source: "hosts" as const };
  expect(formatTargetLine(fetched, NOW)).toBe("target b2c3d4e (newest a host fetched, checked 10s ago)");
});

test("no target: the line says why, from what GET /config/target tells", () => {
  const none: ConfigTargetResponse = { target: null, repo: null, pin: null, error: null };
  expect(formatTargetHeader(null, none, NOW)).toBe(
    "no target: fleetd has no --config-repo and no host has reported a fetch of its config repo",
  );
  const repo = { url: "https://git.example/fleet.git", branch: "main" };
  expect(formatTargetHeader(null, { ...none, repo }, NOW)).toBe(
    "no target: fleetd has not read https://git.example/fleet.git (main) yet; try fleetctl target refresh",
  );
  expect(formatTargetHeader(null, { ...none, repo, error: "repository not found" }, NOW)).toBe(
    "no target: fleetd cannot read https://git.example/fleet.git (main): repository not found",
  );
  // With a target the line is the target's, whatever else is known.
  expect(formatTargetHeader(target, null, NOW)).toStartWith("target b2c3d4e");
});

test("host detail: its config, what the system was built from, and the checkout's subject", () => {
  const host = makeHost({
    tags: ["web"],
    config: config("behind", { builtFrom: A }),
    system: { generation: 412, path: "/nix/store/abc-nixos-system-web1", needsReboot: false },
  });
  const checkout = {
    commit: A,
    branch: "main",
    subject: "hosts: web1",
    committedAt: secondsAgo(7200),
    dirty: false,
    remoteCommit: B,
    fetchedAt: secondsAgo(60),
    lockHash: LOCK,
    lockInputs: [],
  };
  const state = {
    checkout,
    system: host.system,
    lastSwitch: { commit: A, dirty: false, generation: 412, at: secondsAgo(600) },
    lastSwitchFailed: false,
    lastTest: null,
    generations: [],
  };
  const lines = formatHostDetail(host, NOW, state).split("\n");
  expect(lines).toEqual(
    expect.arrayContaining([
      "Tags:         web",
      "Config:       behind",
      `Commit:       ${A} "hosts: web1" on main`,
      "Behind by:    3",
      "Dirty:        no",
      `Lock:         ${LOCK}`,
      `Built from:   ${A}`,
      `Switched:     10m ago (${secondsAgo(600)})`,
      "Generation:   412",
      "System path:  /nix/store/abc-nixos-system-web1",
      "Needs reboot: no",
    ]),
  );
  // A host that never reported says so, field by field, without inventing anything.
  const never = formatHostDetail(makeHost(), NOW).split("\n");
  expect(never).toEqual(
    expect.arrayContaining([
      "Config:       unknown",
      "Commit:       -",
      "Switched:     never",
      "Generation:   -",
    ]),
  );
});

test("generations: newest first with the commit each was built from, the active one marked", () => {
  const text = formatGenerations(
    [
      { generation: 412, commit: B, at: secondsAgo(60) },
      { generation: 411, commit: A, at: secondsAgo(7200) },
      { generation: 9, commit: null, at: secondsAgo(86_400 * 3) },
    ],
    412,
    NOW,
  );
  expect(text.split("\n")).toEqual([
    "GEN  BUILT FROM                                SWITCHED",
    `412  ${B}  1m ago    active`,
    `411  ${A}  2h ago`,
    "  9  -                                         3d ago",
  ]);
});

test("target detail: the commit, where it comes from, the repo, the pin and a read error", () => {
  const described: ConfigTargetResponse = {
    target: { ...target, source: "pin" },
    repo: { url: "/srv/fleet-config", branch: "main" },
    pin: { commit: B, pinnedAt: secondsAgo(120) },
    error: "fatal: could not read from remote repository",
  };
  expect(formatTargetDetail(described, NOW).split("\n")).toEqual([
    `Target:    ${B}`,
    "Subject:   hosts: web1 gets nginx",
    `Committed: 5m ago (${secondsAgo(300)})`,
    "Source:    a pin (fleetctl target unpin to follow the repo again)",
    `Checked:   10s ago (${secondsAgo(10)})`,
    "Repo:      /srv/fleet-config (branch main)",
    `Pin:       ${B}, since 2m ago (${secondsAgo(120)})`,
    "Error:     fatal: could not read from remote repository",
  ]);
  const none = formatTargetDetail({ target: null, repo: null, pin: null, error: null }, NOW);
  expect(none.split("\n")[0]).toBe(
    "Target: none: fleetd has no --config-repo and no host has reported a fetch of its config repo",
  );
  expect(none).toContain("Repo:   none (fleetd serve --config-repo URL)");
});

test("pin: a full sha is taken (upper case too); a short or malformed one is refused before sending", () => {
  expect(parsePinCommit(B)).toBe(B);
  expect(parsePinCommit(B.toUpperCase())).toBe(B);
  expect(() => parsePinCommit("b2c3d4e")).toThrow(
    '"b2c3d4e" is not a full commit: give all 40 (or 64) hex digits, e.g. $(git rev-parse b2c3d4e)',
  );
  expect(() => parsePinCommit(`${B.slice(0, 39)}g`)).toThrow("is not a full commit");
  expect(() => parsePinCommit("main")).toThrow("e.g. $(git rev-parse main)");
  expect(() => parsePinCommit("$(rm -rf ~)")).toThrow("e.g. $(git rev-parse HEAD)");
});
