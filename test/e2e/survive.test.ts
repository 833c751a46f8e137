// A switch survives the agent being killed (the launchd bootout / systemd restart bug):
// the detached runner finishes the job, spools it, and whichever agent is alive next
// delivers it exactly once. Agents run under the harness supervisor (Restart=always).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Binaries,
  ensureBinaries,
  TestFleet,
  tempDir,
  waitFor,
  writeExecutable,
} from "../harness/index.ts";

let fleet: TestFleet;
let v2: Binaries;
const stubs = tempDir("survive-stubs");

/** A stub "switch" script; $FLEET_TEST_STATE/agent.lock names the agent pid it kills, as launchd would. */
function switchStub(name: string, body: string): string[] {
  const path = join(stubs, name);
  writeExecutable(path, `set -e\n${body}`);
  return [path];
}

const killAgent = 'kill -9 "$(cat "$FLEET_TEST_STATE/agent.lock")"';

/** The service section of config.json, given the agent's own binary path. */
type ServiceFor = (bin: string) => Record<string, unknown>;

async function addAgent(name: string, switchArgv: string[], service?: ServiceFor) {
  const agent = await fleet.addAgent(name, {
    config: { switch: switchArgv, timeouts: { switchSeconds: 3, killGraceSeconds: 0.5 } },
  });
  if (service) {
    const path = join(agent.stateDir, "config.json");
    writeFileSync(
      path,
      JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), service: service(agent.bin) }),
    );
  }
  agent.env.FLEET_TEST_STATE = agent.stateDir;
  agent.env.FLEET_TEST_BIN = agent.bin;
  agent.env.PATH = `${stubs}:${process.env.PATH}`;
  // Restart once so the env and config above are in effect for this agent and its runners.
  agent.kill("SIGTERM");
  await waitFor(async () => agent.starts.length >= 2 && (await fleet.host(name))?.online, {
    what: `${name} online`,
  });
  return agent;
}

async function runAndWait(host: string, op: string, timeoutMs = 30_000) {
  const { job } = await fleet.api("POST", `/api/v1/hosts/${(await fleet.host(host)).id}/jobs`, { op });
  return waitFor(
    async () => {
      const detail = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
      return ["succeeded", "failed", "timed_out", "cancelled", "lost"].includes(detail.job.state) && detail;
    },
    { what: `job ${job.id} (${op} on ${host}) to end`, timeoutMs, intervalMs: 100 },
  );
}

function processesMatching(pattern: string): string[] {
  const out = Bun.spawnSync(["pgrep", "-af", pattern]).stdout.toString().trim();
  return out ? out.split("\n").filter((l) => !l.includes("pgrep")) : [];
}

beforeAll(async () => {
  const bins = await ensureBinaries();
  v2 = await ensureBinaries("2.0.0-test");
  fleet = await TestFleet.start(bins, ["--job-lost-after", "120"]);
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

afterEach(async () => {
  for (const agent of fleet.agents) {
    // No orphaned runners once a job has ended, and never two agents on one state dir.
    await waitFor(() => processesMatching(`runner --state-dir ${agent.stateDir}`).length === 0, {
      what: `no runner left for ${agent.name}`,
      timeoutMs: 5_000,
    });
    expect(processesMatching(`run --state-dir ${agent.stateDir}`).length).toBeLessThanOrEqual(1);
    expect(agent.log.some((l) => l.includes("another fleet-agent"))).toBe(false);
  }
});

describe("a switch that kills the agent", () => {
  test("killed halfway: the job still succeeds with its whole output, recorded once", async () => {
    const argv = switchStub("kill-halfway", `echo "first half"\n${killAgent}\nsleep 1\necho "second half"`);
    const agent = await addAgent("halfway", argv);
    const startsBefore = agent.starts.length;
    const detail = await runAndWait("halfway", "switch");
    expect(detail.job.state).toBe("succeeded");
    const data = detail.output.map((l: any) => l.data);
    expect(data.filter((d: string) => d === "first half")).toHaveLength(1);
    expect(data.filter((d: string) => d === "second half")).toHaveLength(1);
    expect(detail.output.map((l: any) => l.seq)).toEqual(detail.output.map((_: unknown, i: number) => i));
    expect(agent.starts.length).toBeGreaterThan(startsBefore);
  });

  test("a switch that installs a newer agent: the host reports the new version within seconds", async () => {
    const argv = switchStub(
      "install-v2",
      `cp "${v2.agent}" "$FLEET_TEST_BIN.new" && mv "$FLEET_TEST_BIN.new" "$FLEET_TEST_BIN"
echo "installed v2"
date +%s%3N > "$FLEET_TEST_STATE/switch-ended"
${killAgent}`,
    );
    const agent = await addAgent("upgrader", argv);
    const detail = await runAndWait("upgrader", "switch");
    expect(detail.job.state).toBe("succeeded");
    const host = await waitFor(
      async () => {
        const h = await fleet.host("upgrader");
        return h.version === v2.version && h;
      },
      { what: "upgrader on v2", timeoutMs: 30_000, intervalMs: 50 },
    );
    const seenAt = Date.now();
    const endedAt = Number(readFileSync(join(agent.stateDir, "switch-ended"), "utf8"));
    const seconds = (seenAt - endedAt) / 1000;
    console.log(`switch end -> server shows the new version: ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(30);
    expect(host.sha256).toBe(v2.manifest.artifacts.find((a) => a.program === "fleet-agent")!.sha256);
  });

  test("a hung switch is killed by the runner's timeout even though the agent restarted meanwhile", async () => {
    const argv = switchStub("hang", `echo "hanging"\n${killAgent}\nsleep 3019`);
    await addAgent("hanger", argv);
    const detail = await runAndWait("hanger", "switch");
    expect(detail.job.state).toBe("timed_out");
    expect(detail.job.reason).toContain("timed out after 3 s");
    expect(processesMatching("sleep 3019")).toEqual([]);
  });

  test("agent dead for 60 s while the job finishes: the result is delivered when it returns", async () => {
    const argv = switchStub("slow", `echo "working"\nsleep 2\necho "done"`);
    const agent = await addAgent("sleeper", argv);
    const { job } = await fleet.api("POST", `/api/v1/hosts/${(await fleet.host("sleeper")).id}/jobs`, {
      op: "switch",
    });
    await waitFor(async () => (await fleet.api("GET", `/api/v1/jobs/${job.id}`)).job.state === "running", {
      what: "job running",
    });
    await agent.halt();
    await Bun.sleep(60_000);
    const during = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
    expect(during.job.state).toBe("running");
    expect(readFileSync(join(agent.stateDir, "jobs", job.id, "result.json"), "utf8")).toContain("succeeded");
    agent.supervise();
    const detail = await waitFor(
      async () => {
        const d = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
        return d.job.state === "succeeded" && d;
      },
      { what: "result delivered after the agent returned" },
    );
    expect(detail.output.map((l: any) => l.data)).toEqual(expect.arrayContaining(["working", "done"]));
  }, 120_000);
});

describe("macOS: the runner brings up the new agent through launchctl", () => {
  const launchd = { manager: "launchd", label: "dev.fleet.agent", domain: "gui/501" };
  const launchctlStub = (calls: string) =>
    writeExecutable(
      join(stubs, "launchctl"),
      `echo "$*" >> "${calls}"
if [ "$1" = kickstart ]; then kill -9 "$(cat "$FLEET_TEST_STATE/agent.lock")"; fi
if [ "$1" = bootstrap ] && [ ! -e "${calls}.failed-once" ]; then
  touch "${calls}.failed-once"; echo "Bootstrap failed: 5: Input/output error" >&2; exit 5
fi
exit 0`,
    );

  test("binary changed: exactly one kickstart -k, and the agent comes back on it", async () => {
    const calls = join(stubs, "launchctl-bin.calls");
    launchctlStub(calls);
    const argv = switchStub(
      "mac-binary",
      `cp "${v2.agent}" "$FLEET_TEST_BIN.new" && mv "$FLEET_TEST_BIN.new" "$FLEET_TEST_BIN"`,
    );
    await addAgent("mac-bin", argv, (binary) => ({ ...launchd, binary }));
    const detail = await runAndWait("mac-bin", "switch");
    expect(detail.job.state).toBe("succeeded");
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual(["kickstart -k gui/501/dev.fleet.agent"]);
    await waitFor(async () => (await fleet.host("mac-bin")).version === v2.version, {
      what: "mac-bin on v2",
    });
  });

  test("plist changed: bootout, then bootstrap retried after error 5", async () => {
    const calls = join(stubs, "launchctl-plist.calls");
    launchctlStub(calls);
    const plist = join(stubs, "dev.fleet.agent.plist");
    writeFileSync(plist, "<plist>v1</plist>");
    const argv = switchStub("mac-plist", `echo "<plist>v2</plist>" > "${plist}"`);
    await addAgent("mac-plist", argv, (binary) => ({ ...launchd, binary, plist }));
    const detail = await runAndWait("mac-plist", "switch");
    expect(detail.job.state).toBe("succeeded");
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual([
      "bootout gui/501/dev.fleet.agent",
      `bootstrap gui/501 ${plist}`,
      `bootstrap gui/501 ${plist}`,
    ]);
  });
});
