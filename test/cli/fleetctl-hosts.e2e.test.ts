// fleetctl end to end on what an operator checks and tidies: the hosts table with what the
// board shows (running op, latest results, failing), -o wide, --watch, names instead of ids in
// job and audit, host delete, enroll-token list/revoke and rollout list, against a real fleetd.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { EnrollTokenList, HostList, RolloutList } from "../../protocol/index.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import { Tmux } from "../harness/tmux.ts";
import { CliFixture } from "./cli-fixture.ts";
import { FakeAgent } from "./fake-agent.ts";

let cli: CliFixture;
let web1: FakeAgent;
beforeAll(async () => {
  cli = await CliFixture.start();
  web1 = await FakeAgent.enroll(cli.url, cli.adminToken, "web1");
  await web1.hello("1.0.0");
});
afterAll(() => cli?.stop());

const fleetctl = (args: string[], env: Record<string, string> = {}) => cli.run(args, env);
const REPO = resolve(import.meta.dir, "../..");
const noTerminal = tierSkipReason("terminal");

describe("hosts", () => {
  let pullJob: string;
  let switchJob: string;
  beforeAll(async () => {
    // A pull that failed, then a switch still running: the board would show web1 failing.
    const pull = JSON.parse((await fleetctl(["run", "pull", "web1", "--json"])).stdout).jobs[0];
    pullJob = pull.id;
    await web1.nextRun();
    await web1.result(pull.id, { state: "failed", exitCode: 1, reason: "git fetch failed" });
    const running = JSON.parse((await fleetctl(["run", "switch", "web1", "--json"])).stdout).jobs[0];
    switchJob = running.id;
    await web1.nextRun();
    await web1.events(running.id, { started: true, progress: { current: 2, total: 5 } });
  });

  test("--json carries the board's activity: latest results, the job in flight, failing", async () => {
    const { hosts } = HostList.parse(JSON.parse((await fleetctl(["hosts", "--json"])).stdout));
    expect(hosts[0]).toMatchObject({
      name: "web1",
      failing: true,
      queued: 0,
      runningJobId: switchJob,
      running: { id: switchJob, op: "switch", state: "running", progress: { current: 2, total: 5 } },
      last: { pull: { id: pullJob, state: "failed" }, switch: null, test: null },
    });
  });

  test("the table shows the running op with its progress, not a job id, and FAILING", async () => {
    const r = await fleetctl(["hosts"]);
    expect(r.code).toBe(0);
    const [target, header, row] = r.stdout.trimEnd().split("\n");
    // This fleetd has no config repo and web1 reported no state: the line says why there is no target.
    expect(target).toBe(
      "no target: fleetd has no --config-repo and no host has reported a fetch of its config repo",
    );
    expect(header).toMatch(/^NAME\s+ID\s+STATUS\s+VERSION\s+CONFIG\s+GEN\s+LAST SEEN\s+RUNNING\s+FAILING$/);
    expect(row).toMatch(
      /^web1\s+h_\S+\s+online\s+1\.0\.0\s+- unknown\s+-\s+.+\s+switch 2\/5 \(\d+s\)\s+yes$/,
    );
    expect(row).not.toContain(switchJob);
  });

  test("-o wide adds platform, vitals, queue and the latest pull/switch/test", async () => {
    const r = await fleetctl(["hosts", "-o", "wide"]);
    expect(r.stdout.split("\n")[1]).toMatch(
      /PLATFORM\s+CPU\s+MEM\s+DISK\s+LAST SEEN\s+RUNNING\s+QUEUED\s+LAST PULL\s+LAST SWITCH\s+LAST TEST\s+FAILING\s+TAGS$/,
    );
    // This fake agent sends no vitals: the three columns say so.
    expect(r.stdout).toMatch(/linux\/x64\s+-\s+-\s+-\s+.* failed (just now|\d+s ago)\s+-\s+-\s+yes\s+-$/m);
    const bad = await fleetctl(["hosts", "-o", "yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      '-o/--output is "wide" (more columns) or "narrow" (the default), got "yaml"',
    );
  });

  test("--watch piped prints each snapshot once, with its time, until Ctrl-C, which exits 0", async () => {
    const proc = cli.spawn(["hosts", "--watch", "--interval", "0.2"]);
    const reader = proc.stdout.getReader();
    const decoder = new TextDecoder();
    let out = "";
    while ((out.match(/^# \d{4}-/gm) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`fleetctl exited while watching: ${out}`);
      out += decoder.decode(value);
    }
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    const snapshots = out.split(/\n(?=# \d{4}-)/);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    for (const snapshot of snapshots.slice(0, 3))
      expect(snapshot).toMatch(/^# \S+Z\nno target: .*\nNAME\s+ID.*\nweb1\s/);
    expect(out).not.toContain("\u001b[");
  });

  test.skipIf(noTerminal !== null)(
    "--watch on a terminal redraws in place; Ctrl-C exits 0",
    async () => {
      // The shell's trap is a handler, not an ignore, so fleetctl still gets the Ctrl-C itself.
      const watch = `"${process.execPath}" "${REPO}/cli/main.ts" hosts --watch --interval 0.3`;
      const command = `trap : INT; ${watch}; echo "EXIT=$?"; sleep 600`;
      const env = { FLEET_SERVER: cli.url, FLEET_TOKEN: cli.adminToken, NO_COLOR: "1" };
      const term = Tmux.start(["sh", "-c", command], { width: 160, height: 20, env });
      try {
        const stamp = (screen: string) => /every 0\.3s +(\S+Z)/.exec(screen)?.[1];
        const first = await term.waitForScreen((s) => /^web1\s/m.test(s) && !!stamp(s), "the first snapshot");
        const later = await term.waitForScreen((s) => !!stamp(s) && stamp(s) !== stamp(first), "a redraw");
        // Cleared and redrawn, not scrolled: one title, one header, at the top of the screen.
        expect(later.split("\n")[0]).toStartWith("fleetctl hosts, every 0.3s");
        expect(later.match(/^NAME\s/gm)).toHaveLength(1);
        term.type("", "C-c");
        expect(await term.waitForScreen((s) => s.includes("EXIT="), "fleetctl to end")).toContain("EXIT=0");
      } finally {
        term.kill();
      }
    },
    60_000,
  );

  test("job and audit name the host instead of showing its id", async () => {
    const job = await fleetctl(["job", pullJob]);
    expect(job.stdout).toContain(`Host:      web1 (${web1.hostId})`);
    const audit = await fleetctl(["audit", "--limit", "50"]);
    expect(audit.stdout).toMatch(/admin\s+job\.created\s+j_\S+\s+host=web1 op=pull/);
    expect(audit.stdout).toMatch(/host:web1\s+host\.enrolled\s+web1\s+name=web1/);
    expect(audit.stdout).not.toContain("…");
    const json = JSON.parse((await fleetctl(["audit", "--json"])).stdout);
    expect(json.entries.some((e: { target?: string }) => e.target === web1.hostId)).toBe(true);
  });
});

describe("host delete", () => {
  test("without a terminal and without --yes it refuses, saying to pass --yes; with --yes it deletes", async () => {
    const gone = await FakeAgent.enroll(cli.url, cli.adminToken, "old1");
    const refused = await fleetctl(["host", "delete", "old1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refusing to delete host old1 without confirmation");
    expect(refused.stderr).toContain("pass --yes");
    expect(
      JSON.parse((await fleetctl(["hosts", "--json"])).stdout).hosts.map((h: { name: string }) => h.name),
    ).toContain("old1");

    const deleted = await fleetctl(["host", "delete", "old1", "--yes"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`deleted old1 (${gone.hostId})`);
    const names = HostList.parse(JSON.parse((await fleetctl(["hosts", "--json"])).stdout)).hosts.map(
      (h) => h.name,
    );
    expect(names).not.toContain("old1");
    const again = await fleetctl(["host", "delete", "old1", "--yes"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no host with id or name "old1"');
  });
});

test.skipIf(noTerminal !== null)(
  "host delete on a terminal asks, and deletes only on yes",
  async () => {
    await FakeAgent.enroll(cli.url, cli.adminToken, "old2");
    const del = `"${process.execPath}" "${REPO}/cli/main.ts" host delete old2`;
    const command = `${del}; echo "FIRST=$?"; ${del}; echo "SECOND=$?"; sleep 600`;
    const env = { FLEET_SERVER: cli.url, FLEET_TOKEN: cli.adminToken, NO_COLOR: "1" };
    const term = Tmux.start(["sh", "-c", command], { width: 160, height: 20, env });
    try {
      await term.waitForScreen((s) => s.includes("Delete host old2 ("), "the first question");
      term.type("n", "Enter");
      expect(await term.waitForScreen((s) => s.includes("FIRST="), "the first answer")).toContain("FIRST=1");
      await term.waitForScreen(
        (s) => (s.match(/Delete host old2 \(/g) ?? []).length === 2,
        "the second question",
      );
      term.type("y", "Enter");
      expect(await term.waitForScreen((s) => s.includes("SECOND="), "the second answer")).toContain(
        "SECOND=0",
      );
    } finally {
      term.kill();
    }
    const { hosts } = HostList.parse(JSON.parse((await fleetctl(["hosts", "--json"])).stdout));
    expect(hosts.map((h) => h.name)).not.toContain("old2");
  },
  60_000,
);

describe("enroll-token list and revoke", () => {
  test("list shows id, created, expires and state, never the token; revoke by id makes it useless", async () => {
    const created = JSON.parse(
      (await fleetctl(["enroll-token", "create", "--note", "spare", "--json"])).stdout,
    );
    const table = await fleetctl(["enroll-token", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+CREATED\s+EXPIRES\s+STATE\s+USED BY\s+NOTE$/);
    expect(table.stdout).toMatch(
      new RegExp(`^${created.id}\\s+(just now|\\d+s ago)\\s+in \\d+m\\s+unused\\s+spare$`, "m"),
    );
    expect(table.stdout).toMatch(/\sused\s+web1\s*$/m);
    expect(table.stdout).not.toContain(created.token);

    const revoked = await fleetctl(["enroll-token", "revoke", created.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked enroll token ${created.id}`);
    const { tokens } = EnrollTokenList.parse(
      JSON.parse((await fleetctl(["enroll-token", "list", "--json"])).stdout),
    );
    expect(tokens.find((t) => t.id === created.id)?.state).toBe("revoked");
    const install = await fetch(`${cli.url}/api/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: created.token, name: "web9" }),
    });
    expect(install.status).toBe(401);

    const unknown = await fleetctl(["enroll-token", "revoke", "et_nosuch"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no enroll token with id "et_nosuch" (404 not_found)');
  });
});

test("rollout list: none yet, and --json", async () => {
  const r = await fleetctl(["rollout", "list"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    "No rollouts yet. Start one with: fleetctl deploy --all, or fleetctl update --all",
  );
  expect(RolloutList.parse(JSON.parse((await fleetctl(["rollout", "list", "--json"])).stdout))).toEqual({
    rollouts: [],
  });
});
