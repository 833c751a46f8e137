// The install story on a real systemd: a freshly booted Debian container (systemd-nspawn)
// runs `curl <fleetd>/install.sh | sh`, and the hardened unit it writes has to carry
// everything the agent does: re-install, self-update through rename-and-exit, rollback of
// a crash-looping binary, a job surviving `systemctl restart`, and a clean uninstall.
// One container and one fleetd for the whole file; the tests run in order and build on
// each other, like an operator's day. Skipped (with the reason printed) only without root
// or systemd-nspawn, and then only outside CI.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import type { AuditEntry, Host } from "../../protocol/index.ts";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  type ArtifactsDir,
  addBrokenAgent,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  TestFleet,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { Container } from "./container.ts";
import { ensureRootfs } from "./rootfs.ts";

const REPO = resolve(import.meta.dir, "../..");
const AGENT_DIR = "/usr/local/lib/fleet-agent";
const AGENT = `${AGENT_DIR}/fleet-agent`;
const STATE = "/var/lib/fleet-agent";
const HOST = "sys1";

// npm test installs the tier's packages; it cannot run without root, off Linux or nested in a
// container, and then npm test's summary names it as skipped (and .ci/run fails).
const unavailable = tierSkipReason("system");
if (unavailable) console.log(`test/system skipped: ${unavailable}`);

let v1: Binaries;
let v2: Binaries;
let artifacts: ArtifactsDir;
let fleet: TestFleet;
let box: Container;
let firstToken: string;
const tierStarted = performance.now();

beforeAll(async () => {
  if (unavailable) return;
  const [rootfs, b1, b2] = await Promise.all([
    ensureRootfs(console.log),
    ensureBinaries("1.0.0-test"),
    ensureBinaries("2.0.0-test"),
  ]);
  v1 = b1;
  v2 = b2;
  artifacts = copyArtifacts(v1);
  // fleetd serves the tamperable copy, so a test can switch it to v2 or a broken build.
  fleet = await TestFleet.start({ ...v1, dir: artifacts.dir }, ["--job-lost-after", "120"], {
    FLEET_LIMITS: JSON.stringify({ updateSoakMs: 2000 }),
  });
  box = await Container.boot(rootfs, join(tempDir("nspawn"), "boot.log"));
}, 600_000);

afterAll(async () => {
  await box?.shutdown();
  await fleet?.stop();
  if (!unavailable) console.log(`test/system: ${((performance.now() - tierStarted) / 1000).toFixed(0)} s`);
}, 60_000);

/** The one-liner fleetd prints, run inside the container. */
function curlInstall(args: string) {
  return box.sh(`curl -fsSL ${fleet.url}/install.sh | sh -s -- ${args}`, { timeoutMs: 180_000 });
}

async function agentConfig(patch: Record<string, unknown>) {
  const path = box.path(`${STATE}/config.json`);
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), ...patch }, null, 2));
}

async function mainPid(): Promise<string> {
  return (await box.exec(["systemctl", "show", "-p", "MainPID", "--value", "fleet-agent"])).stdout.trim();
}

async function isActive(unit = "fleet-agent"): Promise<string> {
  return (await box.exec(["systemctl", "is-active", unit])).stdout.trim();
}

async function hostsNamed(name: string) {
  const { hosts } = await fleet.fleetctlJson<{ hosts: Host[] }>(["hosts"]);
  return hosts.filter((h) => h.name === name);
}

async function agentVersion(): Promise<string> {
  return (await box.exec([AGENT, "--version"])).stdout.trim();
}

/** Serves `bins`' agent (under a name of its own, next to the others) as fleetd's current build. */
function serveAgentOf(bins: Binaries) {
  const entry = bins.manifest.artifacts.find((a) => a.program === "fleet-agent")!;
  const file = `fleet-agent-${bins.version}`;
  if (!existsSync(join(artifacts.dir, file)))
    linkOrCopy(join(bins.dir, entry.file), join(artifacts.dir, file));
  artifacts.replaceAgent({ ...entry, file }, bins.version);
}

function journal(unit: string): Promise<string> {
  return box.exec(["journalctl", "-u", unit, "--no-pager", "-o", "cat"]).then((r) => r.stdout);
}

describe.skipIf(unavailable !== null)("install.sh under a real systemd", () => {
  test("a fresh host: curl | sh installs, enrolls, starts the agent, and it comes online", async () => {
    firstToken = await fleet.enrollToken();
    const run = await curlInstall(`--token ${firstToken} --name ${HOST}`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("SHA-256");
    expect(run.stdout).toMatch(/host\s+sys1 at http:\/\/127\.0\.0\.1:\d+: online \(agent pid \d+\)/);
    expect(await isActive()).toBe("active");
    const [host] = await hostsNamed(HOST);
    expect(host?.online).toBe(true);
    expect(host?.version).toBe("1.0.0-test");
    // The unit on disk is the repo's, byte for byte; it verifies clean against the real binary.
    expect(box.read("/etc/systemd/system/fleet-agent.service")).toBe(
      readFileSync(join(REPO, "systemd/fleet-agent.service"), "utf8"),
    );
    const verify = await box.exec(["systemd-analyze", "verify", "/etc/systemd/system/fleet-agent.service"]);
    expect(verify.stdout + verify.stderr).toBe("");
    expect(verify.code).toBe(0);
    expect(box.read(`${STATE}/config.json`)).toContain(
      `"service": {"manager": "systemd", "binary": "${AGENT}"},`,
    );
    expect(box.exists("/usr/local/bin/fleet-agent")).toBe(true);
    expect((await box.exec(["systemctl", "is-enabled", "fleet-agent"])).stdout.trim()).toBe("enabled");
  }, 120_000);

  test("running it again (same, now used token) changes nothing: one host, same process", async () => {
    const pid = await mainPid();
    const run = await curlInstall(`--token ${firstToken} --name ${HOST}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("already enrolled as sys1");
    expect(run.stdout).toContain("is already 1.0.0-test");
    expect(run.stdout).toContain("running and up to date");
    expect(await mainPid()).toBe(pid);
    expect(await isActive()).toBe("active");
    expect(await hostsNamed(HOST)).toHaveLength(1);
    expect((await hostsNamed(HOST))[0]?.online).toBe(true);
  }, 120_000);

  test("a re-run repairs a deleted binary and unit", async () => {
    await box.sh(
      `systemctl disable --now fleet-agent; rm -f ${AGENT} /etc/systemd/system/fleet-agent.service`,
    );
    const run = await curlInstall("");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("writing /etc/systemd/system/fleet-agent.service");
    expect(await isActive()).toBe("active");
    expect(await hostsNamed(HOST)).toHaveLength(1);
  }, 120_000);

  test("systemctl restart while a long job runs: the job survives and reports once", async () => {
    // Writing /etc proves the job runs outside the agent's ProtectSystem=strict sandbox.
    await agentConfig({
      switch: ["sh", "-c", "echo started; touch /etc/fleet-switch-ran; sleep 12; echo finished"],
    });
    const hostId = (await hostsNamed(HOST))[0]!.id;
    const { job } = await fleet.api("POST", `/api/v1/hosts/${hostId}/jobs`, { op: "switch" });
    const unit = `fleet-job-${job.id}`;
    await waitFor(async () => (await isActive(unit)) === "active", {
      what: `${unit} running`,
      timeoutMs: 15_000,
    });
    const before = await mainPid();
    const restart = await box.exec(["systemctl", "restart", "fleet-agent"]);
    expect(restart.code).toBe(0);
    expect(await mainPid()).not.toBe(before);
    // The runner is in a unit of its own, outside the agent's cgroup and sandbox.
    expect(await isActive(unit)).toBe("active");
    const done = await waitFor(
      async () => {
        const detail = await fleet.api("GET", `/api/v1/jobs/${job.id}`);
        return detail.job.state !== "running" && detail.job.state !== "dispatched" && detail;
      },
      { what: `job ${job.id} to finish`, timeoutMs: 40_000, intervalMs: 250 },
    );
    expect(done.job.state).toBe("succeeded");
    expect(box.exists("/etc/fleet-switch-ran")).toBe(true);
    const lines = done.output.map((e: { data: string }) => e.data);
    expect(lines.filter((l: string) => l === "finished")).toHaveLength(1);
    expect(lines.filter((l: string) => l.startsWith("result:"))).toHaveLength(1);
    // Delivered by the restarted agent and acknowledged: the spool says so, fleetd recorded one ending.
    await waitFor(() => box.exists(`${STATE}/jobs/${job.id}/delivered`), {
      what: "the spool's delivered mark",
    });
    const { entries } = await fleet.api<{ entries: AuditEntry[] }>("GET", "/api/v1/audit?limit=1000");
    const endings = entries.filter((e) => e.target === job.id && e.action !== "job.created");
    expect(endings.map((e) => [e.action, e.details?.state])).toEqual([["job.finished", "succeeded"]]);
  }, 120_000);

  test("fleetctl update --wait: systemd brings up the new binary after rename and exit", async () => {
    await agentConfig({ update: { healthGraceSeconds: 30, soakSeconds: 3 } });
    serveAgentOf(v2);
    const before = await mainPid();
    const update = await fleet.fleetctl(["update", HOST, "--wait"]);
    expect(update.stderr).toBe("");
    expect(update.code).toBe(0);
    expect(await agentVersion()).toBe("2.0.0-test");
    expect((await box.exec([`${AGENT}.old`, "--version"])).stdout.trim()).toBe("1.0.0-test");
    expect(await isActive()).toBe("active");
    expect(await mainPid()).not.toBe(before);
    // ...under the hardened unit, not some fallback.
    const props = await box.exec([
      "systemctl",
      "show",
      "fleet-agent",
      "-p",
      "ProtectSystem,NoNewPrivileges,ReadWritePaths,ExecStart",
    ]);
    expect(props.stdout).toContain("ProtectSystem=strict");
    expect(props.stdout).toContain("NoNewPrivileges=yes");
    expect(props.stdout).toContain(`ReadWritePaths=${AGENT_DIR}`);
    const [host] = await hostsNamed(HOST);
    expect(host).toMatchObject({ online: true, version: "2.0.0-test", outdated: false });
  }, 120_000);

  test("a crash-looping new binary is rolled back; the host is online on the old version", async () => {
    await addBrokenAgent(artifacts, "3.0.0-test", "crash");
    await agentConfig({ update: { healthGraceSeconds: 12, soakSeconds: 3 } });
    const update = await fleet.fleetctl(["update", HOST, "--wait", "--json"]);
    expect(update.code).not.toBe(0);
    const [entry] = JSON.parse(update.stdout).rollout.hosts;
    expect(entry.state).toBe("failed");
    const { job } = await fleet.api("GET", `/api/v1/jobs/${entry.jobId}`);
    expect(job.state).toBe("failed");
    expect(job.outcome).toMatchObject({ op: "update", kind: "rolled_back" });
    expect(job.reason).toContain("rolled back");
    expect(await agentVersion()).toBe("2.0.0-test");
    expect((await box.exec([`${AGENT}.rejected`, "--version"])).stdout.trim()).toBe("3.0.0-test");
    // systemd really ran the broken binary (and kept restarting it) before the rollback.
    expect(await journal("fleet-agent")).toContain("broken agent: crashing at start");
    await waitFor(async () => (await hostsNamed(HOST))[0]?.online && (await isActive()) === "active", {
      what: "sys1 online again after the rollback",
      timeoutMs: 20_000,
    });
    const [host] = await hostsNamed(HOST);
    expect(host?.version).toBe("2.0.0-test");
  }, 120_000);

  test("a deploy whose activation restarts fleet-agent.service completes and is confirmed", async () => {
    // A generic Linux host: the switch is a script of the config repo that, like NixOS's switch
    // when the agent's unit changed, restarts fleet-agent.service; the generation is a counter
    // the stateCommand reads and the rollback sets back.
    const repo = `${STATE}/config`;
    const gen = "/var/lib/fleet-generation";
    const git = "git -c user.name=t -c user.email=t@example.invalid";
    const made = await box.sh(
      [
        "set -e",
        `echo 1 > ${gen}`,
        "git init -q --bare -b main /srv/config.git",
        `git clone -q /srv/config.git ${repo}`,
        `cd ${repo}`,
        `printf '#!/bin/sh\nset -e\necho $(( $(cat ${gen}) + 1 )) > ${gen}\nsystemctl restart fleet-agent.service\n' > switch.sh`,
        "chmod +x switch.sh",
        `${git} add switch.sh && ${git} commit -qm 'switch restarts the agent' && git push -q origin main`,
        `git rev-parse HEAD`,
      ].join("\n"),
    );
    expect(made.code).toBe(0);
    const commit = made.stdout.trim().split("\n").at(-1)!;
    await agentConfig({
      repo: { dir: repo, url: "/srv/config.git", branch: "main" },
      switch: [`${repo}/switch.sh`],
      rollback: ["sh", "-c", `echo {generation} > ${gen}`],
      system: { stateCommand: ["cat", gen] },
    });
    await box.exec(["systemctl", "restart", "fleet-agent"]);
    await waitFor(async () => (await hostsNamed(HOST))[0]?.online, { what: "sys1 online on its new config" });
    const before = await mainPid();
    const run = await fleet.fleetctl([
      "run",
      "deploy",
      HOST,
      "--arg",
      `commit=${commit}`,
      "--arg",
      "confirmSeconds=60",
      "--wait",
      "--json",
    ]);
    const [ran] = JSON.parse(run.stdout).jobs;
    const { job, output } = await fleet.api("GET", `/api/v1/jobs/${ran.id}`);
    expect(`${job.state} ${job.reason ?? ""}`).toStartWith("succeeded");
    expect(job.outcome).toEqual({
      op: "deploy",
      kind: "deployed",
      commit,
      generationBefore: 1,
      generationAfter: 2,
    });
    expect(run.code).toBe(0);
    // The agent that confirmed is the one systemd started after the switch restarted the unit.
    expect(await mainPid()).not.toBe(before);
    expect(box.exists(`${STATE}/jobs/${ran.id}/deploy.json`)).toBe(true);
    const lines: string[] = output.map((e: { data: string }) => e.data);
    expect(lines.some((l) => /^agent pid \d+ reached fleetd .* after the /.test(l))).toBe(true);
  }, 180_000);

  test("install.sh --uninstall --purge leaves no unit, binary or state", async () => {
    const run = await curlInstall("--uninstall --purge");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const path of [
      "/etc/systemd/system/fleet-agent.service",
      AGENT_DIR,
      "/usr/local/bin/fleet-agent",
      STATE,
    ]) {
      expect({ path, exists: box.exists(path) }).toEqual({ path, exists: false });
    }
    const units = await box.exec([
      "systemctl",
      "list-units",
      "--all",
      "--plain",
      "--no-legend",
      "fleet-agent*",
    ]);
    expect(units.stdout.trim()).toBe("");
    expect((await box.exec(["systemctl", "cat", "fleet-agent"])).code).not.toBe(0);
    await waitFor(async () => !(await hostsNamed(HOST))[0]?.online, {
      what: "sys1 offline",
      timeoutMs: 30_000,
    });
  }, 120_000);

  test("--prefix and --no-start: the unit follows the binary; nothing runs until started", async () => {
    serveAgentOf(v2); // fleetd still offers the broken build from the rollback test
    const token = await fleet.enrollToken();
    const run = await curlInstall(`--token ${token} --name sys2 --prefix /opt/fleet-agent --no-start`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("enabled, not started (--no-start)");
    const unit = box.read("/etc/systemd/system/fleet-agent.service");
    expect(unit).toContain(
      "ExecStart=/opt/fleet-agent/lib/fleet-agent/fleet-agent run --state-dir /var/lib/fleet-agent",
    );
    expect(unit).toContain("ReadWritePaths=/opt/fleet-agent/lib/fleet-agent\n");
    expect(unit).not.toContain("/usr/local");
    const verify = await box.exec(["systemd-analyze", "verify", "/etc/systemd/system/fleet-agent.service"]);
    expect(verify.stdout + verify.stderr).toBe("");
    expect(await isActive()).toBe("inactive");
    expect((await box.exec(["systemctl", "is-enabled", "fleet-agent"])).stdout.trim()).toBe("enabled");
    await box.exec(["systemctl", "start", "fleet-agent"]);
    await waitFor(async () => (await hostsNamed("sys2"))[0]?.online, {
      what: "sys2 online",
      timeoutMs: 20_000,
    });
    const uninstall = await curlInstall("--uninstall --purge");
    expect(uninstall.stdout).toContain("/opt/fleet-agent/lib/fleet-agent/fleet-agent");
    expect(box.exists("/opt/fleet-agent/lib/fleet-agent")).toBe(false);
    expect(box.exists("/opt/fleet-agent/bin/fleet-agent")).toBe(false);
  }, 120_000);

  test("fleetd.service: verifies clean and serves under its hardening", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const target = v1.manifest.artifacts.find((a) => a.program === "fleetd")!.file;
    await box.sh(`mkdir -p /opt/fleet && printf 'FLEET_PORT=${port}\\n' > /etc/default/fleetd`);
    writeFileSync(box.path(`/opt/fleet/${target}`), readFileSync(join(v1.dir, target)), { mode: 0o755 });
    writeFileSync(box.path("/opt/fleet/manifest.json"), readFileSync(join(v1.dir, "manifest.json")));
    writeFileSync(
      box.path("/etc/systemd/system/fleetd.service"),
      readFileSync(join(REPO, "systemd/fleetd.service"), "utf8"),
    );
    await box.sh(`ln -sf ${target} /opt/fleet/fleetd && systemctl daemon-reload && systemctl start fleetd`);
    const verify = await box.exec(["systemd-analyze", "verify", "/etc/systemd/system/fleetd.service"]);
    expect(verify.stdout + verify.stderr).toBe("");
    const health = await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json() as Promise<{ ok: boolean }>,
      { what: "fleetd in the container", timeoutMs: 20_000 },
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${await journal("fleetd")}`);
    });
    expect(health.ok).toBe(true);
    expect(box.exists("/var/lib/fleetd/admin-token")).toBe(true);
    const install = await fetch(`http://127.0.0.1:${port}/install.sh`);
    expect(install.status).toBe(200);
    await box.exec(["systemctl", "stop", "fleetd"]);
  }, 120_000);
});
