// fleetctl end to end on what each host runs of its config, against a real fleetd reading a real
// git repo as --config-repo: hosts report their state through the agent's own route with their
// host tokens, and `fleetctl hosts` (CONFIG, GEN, the target line, --state, --tag, -o wide),
// `host <name>` (config and generations), `target` (show, refresh, pin, unpin) and `--tag` on
// run and update show and act on exactly what fleetd derived.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigTargetResponse, HostDetail, HostList, type HostState } from "../../protocol/index.ts";
import { type ConfigRepo, createConfigRepo } from "../harness/index.ts";
import { CliFixture } from "./cli-fixture.ts";
import { FakeAgent } from "./fake-agent.ts";

const LOCK = "4c".repeat(32);

/** A host whose checkout is at `commit`, switched from it (generation 412, after 411) and tested since. */
function stateAt(commit: string, overrides: Partial<HostState> = {}): HostState {
  const earlier = (s: number) => new Date(Date.now() - s * 1000).toISOString();
  return {
    checkout: {
      commit,
      branch: "main",
      subject: "initial",
      committedAt: earlier(3600),
      dirty: false,
      remoteCommit: commit,
      fetchedAt: earlier(120),
      lockHash: LOCK,
      lockInputs: [],
    },
    system: { generation: 412, path: "/nix/store/abcd-nixos-system-web1", needsReboot: false },
    lastSwitch: { commit, dirty: false, generation: 412, at: earlier(60) },
    lastSwitchFailed: false,
    lastTest: { passed: true, at: earlier(30) },
    generations: [
      { generation: 412, commit, at: earlier(60) },
      { generation: 411, commit: null, at: earlier(3 * 86_400) },
    ],
    ...overrides,
  };
}

let repo: ConfigRepo;
let cli: CliFixture;
let first: string;
let head: string;
beforeAll(async () => {
  repo = createConfigRepo();
  first = repo.head();
  cli = await CliFixture.start({ configRepo: repo.origin, configBranch: "main" });
  const web1 = await FakeAgent.enroll(cli.url, cli.adminToken, "web1");
  await web1.hello("1.0.0", ["web", "eu"]);
  await web1.state(stateAt(first));
  const db1 = await FakeAgent.enroll(cli.url, cli.adminToken, "db1");
  await db1.hello("1.0.0", ["db"]);
  await db1.state(stateAt(first, { lastSwitchFailed: true }));
  await (await FakeAgent.enroll(cli.url, cli.adminToken, "new1")).hello();
  expect((await fleetctl(["target", "refresh"])).code).toBe(0);
});
afterAll(() => cli?.stop());

const fleetctl = (args: string[]) => cli.run(args);
const short = (sha: string) => sha.slice(0, 7);
const rowOf = (out: string, name: string) => out.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";

test("target shows the repo's branch head, its subject and where it comes from", async () => {
  const r = await fleetctl(["target"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Target:    ${first}\nSubject:   initial\n`);
  expect(r.stdout).toContain("Source:    the config repo's branch head");
  expect(r.stdout).toContain(`Repo:      ${repo.origin} (branch main)`);
  expect(r.stdout).toContain("Pin:       none");
  const json = ConfigTargetResponse.parse(JSON.parse((await fleetctl(["target", "show", "--json"])).stdout));
  expect(json).toMatchObject({ target: { commit: first, source: "repo" }, pin: null, error: null });
});

describe("after three pushes and a refresh", () => {
  beforeAll(async () => {
    repo.commit("a.nix", "a\n");
    repo.commit("b.nix", "b\n");
    head = repo.commit("c.nix", "c\n");
    const r = await fleetctl(["target", "refresh"]);
    expect(r.stdout).toMatch(
      new RegExp(`^target ${short(head)} "change c\\.nix" \\(from repo, (just now|\\d+s ago)\\)$`, "m"),
    );
  });

  test("hosts: the target line, then CONFIG and GEN for each host", async () => {
    const r = await fleetctl(["hosts"]);
    expect(r.code).toBe(0);
    const [line, header] = r.stdout.split("\n");
    expect(line).toMatch(new RegExp(`^target ${short(head)} "change c\\.nix" \\(from repo, `));
    expect(header).toMatch(/^NAME\s+ID\s+STATUS\s+VERSION\s+CONFIG\s+GEN\s+LAST SEEN\s+RUNNING\s+FAILING$/);
    expect(rowOf(r.stdout, "web1")).toMatch(new RegExp(`\\s${short(first)} behind 3\\s+gen 412\\s`));
    expect(rowOf(r.stdout, "db1")).toMatch(new RegExp(`\\s${short(first)} failed\\s+gen 412\\s`));
    expect(rowOf(r.stdout, "new1")).toMatch(/\s- unknown\s+-\s/);
  });

  test("--json carries the API's fields and the list's target", async () => {
    const list = HostList.parse(JSON.parse((await fleetctl(["hosts", "--json"])).stdout));
    expect(list.target).toMatchObject({ commit: head, source: "repo", subject: "change c.nix" });
    expect(list.hosts.find((h) => h.name === "web1")).toMatchObject({
      tags: ["web", "eu"],
      config: { commit: first, state: "behind", behindBy: 3, dirty: false, lockHash: LOCK, builtFrom: first },
      system: { generation: 412, path: "/nix/store/abcd-nixos-system-web1", needsReboot: false },
    });
  });

  test("--state keeps the hosts in that state; an unknown state gets a did-you-mean", async () => {
    const behind = await fleetctl(["hosts", "--state", "behind"]);
    expect(behind.stdout.split("\n").filter((l) => /^(web1|db1|new1) /.test(l))).toEqual([
      expect.stringMatching(/^web1 /),
    ]);
    const failed = HostList.parse(
      JSON.parse((await fleetctl(["hosts", "--state", "failed", "--json"])).stdout),
    );
    expect(failed.hosts.map((h) => h.name)).toEqual(["db1"]);
    const none = await fleetctl(["hosts", "--state", "current"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^target \S+ .*\nNo hosts in config state current\.\n$/);
    const typo = await fleetctl(["hosts", "--state", "behnd"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown config state "behnd" — did you mean behind?');
  });

  test("--tag asks fleetd for the hosts with that tag; -o wide shows tags, lock, built from, reboot", async () => {
    const web = HostList.parse(JSON.parse((await fleetctl(["hosts", "--tag", "web", "--json"])).stdout));
    expect(web.hosts.map((h) => h.name)).toEqual(["web1"]);
    expect(web.target?.commit).toBe(head);
    const wide = await fleetctl(["hosts", "--tag", "eu", "-o", "wide"]);
    expect(wide.stdout.split("\n")[1]).toMatch(
      /CONFIG\s+GEN\s+BUILT FROM\s+LOCK\s+NEEDS REBOOT\s+PLATFORM\s/,
    );
    expect(rowOf(wide.stdout, "web1")).toMatch(
      new RegExp(
        `behind 3\\s+gen 412\\s+${short(first)}\\s+${LOCK.slice(0, 7)}\\s+no\\s+linux/x64\\s.*\\sweb,eu$`,
      ),
    );
    expect((await fleetctl(["hosts", "--tag", "nosuch"])).stdout).toContain("No hosts tagged nosuch.");
    const bad = await fleetctl(["hosts", "--tag", "Web!"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--tag "Web!": tags are lowercase letters');
  });

  test("host web1: its config and its last generations with the commit each was built from", async () => {
    const r = await fleetctl(["host", "web1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Config:       behind\n");
    expect(r.stdout).toContain(`Commit:       ${first} "initial" on main\n`);
    expect(r.stdout).toContain("Behind by:    3\n");
    expect(r.stdout).toContain(`Built from:   ${first}\n`);
    expect(r.stdout).toContain("Generation:   412\n");
    expect(r.stdout).toMatch(
      new RegExp(
        `\\nGenerations:\\nGEN\\s+BUILT FROM\\s+SWITCHED\\n412  ${first}  \\dm ago\\s+active\\n411  -\\s+3d ago\\n`,
      ),
    );
    const detail = HostDetail.parse(JSON.parse((await fleetctl(["host", "web1", "--json"])).stdout));
    expect(detail.state?.generations.map((g) => g.generation)).toEqual([412, 411]);
  });

  test("target pin holds the target at the first commit (web1 is current again); unpin lets it go", async () => {
    const pinned = await fleetctl(["target", "pin", first]);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toContain(`pinned the target at ${first}`);
    let hosts = await fleetctl(["hosts"]);
    expect(hosts.stdout.split("\n")[0]).toMatch(new RegExp(`^target ${short(first)} "initial" \\(pinned, `));
    expect(rowOf(hosts.stdout, "web1")).toMatch(new RegExp(`\\s${short(first)} current\\s`));

    // Refused before anything is sent, and the pin stays as it was.
    const malformed = await fleetctl(["target", "pin", short(head)]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain(`"${short(head)}" is not a full commit`);
    // Well formed, but not a commit of the repo: fleetd refuses it.
    const stranger = await fleetctl(["target", "pin", "9".repeat(40)]);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain("(400 ");
    const still = ConfigTargetResponse.parse(JSON.parse((await fleetctl(["target", "--json"])).stdout));
    expect(still.pin?.commit).toBe(first);

    const unpinned = await fleetctl(["target", "unpin"]);
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toMatch(
      new RegExp(`^unpinned; target ${short(head)} "change c\\.nix" \\(from repo, `),
    );
    hosts = await fleetctl(["hosts"]);
    expect(rowOf(hosts.stdout, "web1")).toMatch(/\sbehind 3\s/);
  });
});

describe("--tag on run and update", () => {
  test("run pull --tag web queues a job on the tagged hosts only", async () => {
    const r = await fleetctl(["run", "pull", "--tag", "web", "--json"]);
    expect(r.code).toBe(0);
    const { jobs } = JSON.parse(r.stdout) as { jobs: { hostId: string; op: string }[] };
    const list = HostList.parse(JSON.parse((await fleetctl(["hosts", "--json"])).stdout));
    const web1 = list.hosts.find((h) => h.name === "web1")!;
    expect(jobs.map((j) => [j.hostId, j.op])).toEqual([[web1.id, "pull"]]);
  });

  test("a tag no host has is an error; --tag with host names or --all is refused; nothing is queued", async () => {
    const before = JSON.parse((await fleetctl(["jobs", "--json"])).stdout).jobs.length;
    const none = await fleetctl(["run", "pull", "--tag", "nosuch"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no host is tagged "nosuch"');
    const mixed = await fleetctl(["run", "pull", "web1", "--tag", "web"]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("give host names, --all or --tag, only one of them");
    expect((await fleetctl(["run", "pull", "--all", "--tag", "web"])).code).toBe(1);
    const update = await fleetctl(["update", "--tag", "nosuch"]);
    expect(update.code).toBe(1);
    expect(update.stderr).toContain('no host is tagged "nosuch"');
    expect((await fleetctl(["update", "db1", "--tag", "db"])).stderr).toContain("only one of them");
    expect(JSON.parse((await fleetctl(["jobs", "--json"])).stdout).jobs.length).toBe(before);
  });
});
