// fleetd on a full disk, for real: the compiled fleetd on a 4 MiB tmpfs as its data dir, filled
// with a filler file until the kernel answers ENOSPC, then freed. The test plays operator and
// agents over HTTP and keeps the books: every request answered ok must be there after a kill -9
// and restart; every request refused (507 disk_full) must show nowhere, in the API then or after
// the restart, and no refused job may reach a host. It also holds fleetd's RSS through thousands
// of refusals under a bound, and wants health, the board and `fleetctl doctor` to say "disk
// full", and fleetd to work again within seconds of space returning, without a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { tierSkipReason } from "../../scripts/test/tiers.ts";
import {
  type Binaries,
  ensureBinaries,
  freePort,
  runToEnd,
  spawnLogged,
  tempDir,
  waitFor,
} from "../harness/index.ts";
import { helloBody, outputLine } from "../server/helpers.ts";

const skip = tierSkipReason("mounts");
/** The board is also read in a real Chromium when the browser tier can run here. */
const noBrowser = tierSkipReason("browser");
if (skip) console.warn(`skipping fleetd on a full disk: ${skip}`);

/** Through thousands of refusals fleetd's RSS may grow by at most this (before: 54 -> 237 MB). */
const RSS_GROWTH_BOUND_MB = 40;
const REFUSALS = 3000;
/** After space returns, a job creation must succeed within this, without a restart. */
const RECOVERY_BOUND_MS = 5000;
/** What the operator frees: far less than the refused requests carried (~1,000 jobs, ~1,000 output lines). */
const FREED_BYTES = 256 * 1024;

let bins: Binaries;
let mnt = "";
let mounted = false;
let dataDir = "";
let url = "";
let proc: Subprocess | null = null;
let args: string[] = [];
let adminToken = "";
const log: string[] = [];

function startFleetd(): Promise<void> {
  proc = spawnLogged([bins.fleetd, ...args], log);
  return waitFor(async () => (await fetch(`${url}/api/v1/health`).catch(() => null))?.ok, {
    what: "fleetd health",
    timeoutMs: 15_000,
  }).then(() => {});
}

async function call(method: string, path: string, body?: unknown, token = adminToken) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** Fills the file system with one file, to the last page the kernel will give. */
function fill(path: string): number {
  const fd = openSync(path, "w");
  let total = 0;
  try {
    for (const size of [65536, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x78);
      for (;;) {
        try {
          total += writeSync(fd, chunk);
        } catch (err) {
          if ((err as { code?: string }).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) / 1024;
}

/** Every line of every JSONL file in the data dir is whole JSON: nothing torn, nothing glued. */
function jsonlFilesAreWhole(): string[] {
  const problems: string[] = [];
  const files = [
    ...readdirSync(dataDir).filter((f) => f.endsWith(".jsonl")),
    ...readdirSync(join(dataDir, "output")).map((f) => join("output", f)),
  ];
  for (const file of files) {
    const text = readFileSync(join(dataDir, file), "utf8");
    if (text.length > 0 && !text.endsWith("\n")) problems.push(`${file}: torn last line`);
    text
      .split("\n")
      .slice(0, -1)
      .forEach((line, i) => {
        try {
          JSON.parse(line);
        } catch {
          problems.push(`${file}:${i + 1}: ${line.slice(0, 120)}`);
        }
      });
  }
  return problems;
}

/** The status board, as an operator's browser shows it: "disk full" first under Open alerts. */
async function boardInChromiumShowsDiskFull(): Promise<void> {
  if (noBrowser) {
    console.warn(`board not read in Chromium: ${noBrowser}`);
    return;
  }
  const { launchBrowser, screenshot } = await import("../browser/browser.ts");
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/#token=${adminToken}`);
    const first = page.locator("#alerts li").first();
    await first.waitFor({ timeout: 15_000 });
    expect(await first.getAttribute("data-condition")).toBe("disk_full");
    expect(await first.textContent()).toContain("disk full");
    expect(await page.locator("#alerts-section").isVisible()).toBe(true);
    await screenshot(page, "board-disk-full");
  } finally {
    await browser.close();
  }
}

async function enroll(name: string, token: string) {
  return call("POST", "/api/v1/enroll", { token, name }, token);
}

/** Runs `count` calls of `one`, `width` at a time. */
async function burst<T>(count: number, width: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

describe.skipIf(skip !== null)("fleetd on a full disk", () => {
  beforeAll(async () => {
    bins = await ensureBinaries();
    mnt = join(tempDir("disk-full"), "mnt");
    mkdirSync(mnt);
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt]);
    if (mount.exitCode !== 0) throw new Error(`mount tmpfs: ${mount.stderr}`);
    mounted = true;
    dataDir = join(mnt, "data");
    url = `http://127.0.0.1:${await freePort()}`;
    args = ["serve", "--port", new URL(url).port, "--data", dataDir, "--artifacts", bins.dir];
    await startFleetd();
    adminToken = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  }, 600_000);

  afterAll(async () => {
    proc?.kill("SIGKILL");
    await proc?.exited;
    // Always, and lazily if something still holds it: a leftover mount outlives the test run.
    if (mounted) Bun.spawnSync(["umount", "-l", mnt]);
  });

  test("refused writes change nothing, acknowledged ones survive, the operator is told, and fleetd recovers", async () => {
    // Two hosts while there is room: web holds a job in flight; db polls for work throughout.
    const tokens = [];
    for (let i = 0; i < 12; i++) tokens.push((await call("POST", "/api/v1/enroll-tokens", {})).body.token);
    const web = (await enroll("web", tokens[0])).body;
    const db = (await enroll("db", tokens[1])).body;
    const spare = tokens.slice(2); // used while the disk is full
    for (const host of [web, db]) {
      expect((await call("POST", "/api/v1/agent/hello", helloBody(), host.hostToken)).status).toBe(200);
    }
    const j1 = (await call("POST", `/api/v1/hosts/${web.hostId}/jobs`, { op: "pull" })).body.job;
    const run = (await call("GET", "/api/v1/agent/poll?wait=1", undefined, web.hostToken)).body;
    expect(run.command).toMatchObject({ type: "run", jobId: j1.id });
    const events = { started: true, output: [outputLine(0), outputLine(1)] };
    expect((await call("POST", `/api/v1/agent/jobs/${j1.id}/events`, events, web.hostToken)).status).toBe(
      200,
    );

    // db's agent: polls again and again, and notes every job handed to it.
    const handedToDb: string[] = [];
    let polling = true;
    const dbAgent = (async () => {
      while (polling) {
        const r = await call("GET", "/api/v1/agent/poll?wait=1", undefined, db.hostToken).catch(() => null);
        if (r?.body?.command?.type === "run") handedToDb.push(r.body.command.jobId);
      }
    })();

    const filler = join(mnt, "filler");
    const filled = fill(filler);
    console.log(`filled ${Math.round(filled / 1024)} KiB; fleetd RSS ${rssMb(proc!.pid).toFixed(0)} MB`);
    // Said before anything is refused: the file system has no space left.
    const early = (await call("GET", "/api/v1/health")).body;
    expect(early.conditions?.map((c: any) => c.code)).toEqual(["disk_full"]);

    // Job creations for db until the disk refuses: a file's last page may still have room for a few.
    const acknowledgedJobs = new Set([j1.id]);
    const create = async () => {
      const r = await call("POST", `/api/v1/hosts/${db.hostId}/jobs`, { op: "pull" });
      if (r.status === 201) acknowledgedJobs.add(r.body.job.id);
      return r;
    };
    let refusal = await create();
    for (let i = 0; i < 100 && refusal.status !== 507; i++) refusal = await create();
    expect(refusal.status).toBe(507);
    expect(refusal.body.error.code).toBe("disk_full");
    // In memory too: the API shows only what was acknowledged.
    const listed = async () => (await call("GET", "/api/v1/jobs?limit=1000")).body.jobs.map((j: any) => j.id);
    expect(new Set(await listed())).toEqual(acknowledgedJobs);

    // The operator is told: health, the board, fleetctl doctor.
    const health = (await call("GET", "/api/v1/health")).body;
    expect(health.conditions?.[0]).toMatchObject({ code: "disk_full" });
    const board = (await call("GET", "/api/v1/board")).body;
    expect(board.conditions?.map((c: any) => c.code)).toEqual(["disk_full"]);
    const doctor = await runToEnd([bins.fleetctl, "doctor", "--json"], {
      FLEET_SERVER: url,
      FLEET_TOKEN: adminToken,
    });
    await boardInChromiumShowsDiskFull();
    const disk = JSON.parse(doctor.stdout).checks.find((c: any) => c.name === "disk");
    expect(disk).toMatchObject({ status: "fail" });
    expect(disk.detail).toContain("disk_full");
    expect(doctor.code).toBe(1);

    // A result refused is not ok, however often it is resent: the job stays where it was.
    const result = { state: "succeeded", exitCode: 0, outputLines: 2 };
    for (let i = 0; i < 3; i++) {
      const r = await call("POST", `/api/v1/agent/jobs/${j1.id}/result`, result, web.hostToken);
      expect([r.status, r.body?.error?.code]).toEqual([507, "disk_full"]);
    }
    expect((await call("GET", `/api/v1/jobs/${j1.id}`)).body.job.state).toBe("running");

    // Enrolls until one is refused (a last page may take a few): a refused one leaves no host
    // behind and its token unused.
    const enrolledNames = ["db", "web"];
    let refusedEnroll = { name: "", token: "" };
    for (const [i, token] of spare.entries()) {
      const r = await enroll(`late${i}`, token);
      if (r.status === 201) enrolledNames.push(`late${i}`);
      else {
        expect([r.status, r.body.error.code]).toEqual([507, "disk_full"]);
        refusedEnroll = { name: `late${i}`, token };
        break;
      }
    }
    expect(refusedEnroll.token).not.toBe("");
    const hostNames = async () =>
      (await call("GET", "/api/v1/hosts")).body.hosts.map((h: any) => h.name).sort();
    expect(await hostNames()).toEqual([...enrolledNames].sort());

    // Thousands of refusals (creations, output, hellos that move lastSeen): memory stays bounded.
    const rssBefore = rssMb(proc!.pid);
    const acknowledgedSeqs = [0, 1];
    const statuses = await burst(REFUSALS, 16, async (i) => {
      if (i % 3 === 0) return (await create()).status;
      if (i % 3 === 1) {
        const out = { output: [outputLine(2 + i, `refused line ${i} ${"x".repeat(200)}`)] };
        const r = await call("POST", `/api/v1/agent/jobs/${j1.id}/events`, out, web.hostToken);
        if (r.status === 200) acknowledgedSeqs.push(2 + i);
        return r.status;
      }
      return (await call("POST", "/api/v1/agent/hello", helloBody(), db.hostToken)).status;
    });
    const rssAfter = rssMb(proc!.pid);
    console.log(
      `RSS through ${REFUSALS} requests on the full disk: ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MB ` +
        `(${statuses.filter((s) => s === 507).length} answered 507)`,
    );
    expect(statuses.filter((s) => s === 507).length).toBeGreaterThan(REFUSALS / 2);
    expect(statuses.filter((s) => s !== 507 && s !== 200 && s !== 201)).toEqual([]);
    expect(rssAfter - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(new Set(await listed())).toEqual(acknowledgedJobs);

    // A graceful stop and a start, both on the full disk: the stop cannot write the batched
    // fields or fold the journals, says so, and loses nothing acknowledged; the job in flight is
    // not lost (its agent still holds the refused result and says so in its hello).
    const stopped = proc!;
    stopped.kill("SIGTERM");
    expect(await stopped.exited).toBe(0);
    expect(log.some((line) => line.includes("at shutdown failed"))).toBe(true);
    await startFleetd();
    expect(new Set(await listed())).toEqual(acknowledgedJobs);
    const back = await call("POST", "/api/v1/agent/hello", helloBody({ activeJobs: [j1.id] }), web.hostToken);
    expect([200, 507]).toContain(back.status);
    expect((await call("GET", `/api/v1/jobs/${j1.id}`)).body.job.state).toBe("running");
    expect(await hostNames()).toEqual([...enrolledNames].sort());

    // Some space returns (less than the refused requests carried: a backlog kept to retry would
    // not fit in it): fleetd works again within seconds, without a restart.
    truncateSync(filler, filled - FREED_BYTES);
    const freedAt = Date.now();
    await waitFor(async () => (await create()).status === 201, {
      timeoutMs: RECOVERY_BOUND_MS,
      intervalMs: 100,
    });
    console.log(`job creation works again ${Date.now() - freedAt} ms after space returned`);
    expect((await call("GET", "/api/v1/health")).body.conditions).toBeUndefined();
    // The refused enroll's retry works: its token unused, its name free.
    expect((await enroll(refusedEnroll.name, refusedEnroll.token)).status).toBe(201);
    enrolledNames.push(refusedEnroll.name);
    const ok = await call("POST", `/api/v1/agent/jobs/${j1.id}/result`, result, web.hostToken);
    expect(ok.status).toBe(200);
    polling = false;
    await dbAgent;
    // No refused job reached a host.
    for (const id of handedToDb) expect(acknowledgedJobs.has(id)).toBe(true);

    // kill -9 and restart: everything acknowledged is there, nothing refused is.
    const seqsBefore = (await call("GET", `/api/v1/jobs/${j1.id}`)).body.output.map((l: any) => l.seq);
    proc!.kill("SIGKILL");
    await proc!.exited;
    expect(jsonlFilesAreWhole()).toEqual([]);
    await startFleetd();
    expect(new Set(await listed())).toEqual(acknowledgedJobs);
    const after = (await call("GET", `/api/v1/jobs/${j1.id}`)).body;
    expect(after.job.state).toBe("succeeded");
    const seqsAfter = after.output.map((l: any) => l.seq);
    expect(seqsAfter).toEqual(seqsBefore);
    // Only acknowledged lines (16 at a time, so out of order: fleetd keeps those above nextSeq).
    expect(seqsAfter.filter((seq: number) => !acknowledgedSeqs.includes(seq))).toEqual([]);
    expect(seqsAfter.slice(0, 2)).toEqual([0, 1]);
    expect(await hostNames()).toEqual([...enrolledNames].sort());
  }, 300_000);
});
