// fleetd as a real process on a data dir a real fleetd wrote and was SIGKILLed over, then damaged
// byte by byte: a snapshot deleted beside its journal, a journal line cut out of the middle, a
// damaged audit or output line. A normal start refuses, names the file and line, and changes
// nothing; `serve --repair` starts with what is intact and sets the damaged files aside, saying
// so; what kill -9 itself leaves (torn tails, temp files, stale journal lines) still starts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { runToEnd } from "../harness/run-to-end.ts";
import {
  fingerprintDir,
  helloBody,
  outputLine,
  removeTempDirs,
  spawnSourceFleetd,
  tempDir,
} from "./helpers.ts";

const MAIN = join(import.meta.dir, "../../server/main.ts");

function fleetd(dataDir: string, args: string[] = []) {
  return spawnSourceFleetd(["--data", dataDir, ...args], { FLEET_DATA: "" });
}

async function api(url: string, token: string, method: string, path: string, json?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json ? { "content-type": "application/json" } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

let pristine: string;
let adminToken: string;
let outputJobId: string;

/**
 * 5 hosts and 10 jobs folded into the snapshots by a clean stop, then 5 hosts, 5 jobs and a job's
 * output written by a second fleetd that is SIGKILLed: those are only in the journals.
 */
beforeAll(async () => {
  pristine = join(tempDir(), "data");
  let run = fleetd(pristine);
  let url = await run.listening();
  adminToken = readFileSync(join(pristine, "admin-token"), "utf8").trim();
  const enrollAndQueue = async (names: string[], jobsEach: number) => {
    const hosts: { hostId: string; hostToken: string }[] = [];
    for (const name of names) {
      const { body } = await api(url, adminToken, "POST", "/api/v1/enroll-tokens", {});
      hosts.push((await api(url, "", "POST", "/api/v1/enroll", { token: body.token, name })).body);
    }
    for (const host of hosts)
      for (let i = 0; i < jobsEach; i++)
        expect(
          (await api(url, adminToken, "POST", `/api/v1/hosts/${host.hostId}/jobs`, { op: "pull" })).status,
        ).toBe(201);
    return hosts;
  };
  await enrollAndQueue(["a1", "a2", "a3", "a4", "a5"], 2);
  run.child.kill("SIGTERM");
  expect((await run.exited()).code).toBe(0);

  run = fleetd(pristine);
  url = await run.listening();
  const [host] = await enrollAndQueue(["b1", "b2", "b3", "b4", "b5"], 1);
  await api(url, host!.hostToken, "POST", "/api/v1/agent/hello", helloBody());
  const poll = await api(url, host!.hostToken, "GET", "/api/v1/agent/poll?wait=0");
  outputJobId = poll.body.command.jobId;
  const output = [0, 1, 2, 3].map((seq) => outputLine(seq));
  await api(url, host!.hostToken, "POST", `/api/v1/agent/jobs/${outputJobId}/events`, {
    started: true,
    output,
  });
  run.child.kill("SIGKILL");
  await run.exited();
}, 60_000);

afterAll(removeTempDirs);

/** A fresh copy of the SIGKILLed data dir to damage. */
function copy(): string {
  const dir = join(tempDir(), "data");
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

async function expectRefused(dataDir: string, named: string | RegExp): Promise<void> {
  const before = fingerprintDir(dataDir);
  const { code, output } = await fleetd(dataDir).exited();
  expect(code).toBe(1);
  if (typeof named === "string") expect(output).toContain(named);
  else expect(output).toMatch(named);
  expect(output).toContain("fleetd serve --repair");
  expect(fingerprintDir(dataDir)).toEqual(before);
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);

test("hosts.json or jobs.json deleted beside its journal: the start is refused naming the missing snapshot", async () => {
  for (const name of ["hosts", "jobs"]) {
    const dataDir = copy();
    rmSync(join(dataDir, `${name}.json`));
    await expectRefused(
      dataDir,
      new RegExp(
        `${join(dataDir, `${name}.json`)} is damaged \\(missing, but ${name}\\.journal\\.jsonl starts at change \\d+: it held changes 1-\\d+`,
      ),
    );
  }
});

test("a snapshot deleted after a clean stop (its journal empty) is refused too", async () => {
  const dataDir = copy();
  const run = fleetd(dataDir);
  await run.listening();
  run.child.kill("SIGTERM");
  expect((await run.exited()).code).toBe(0);
  expect(readFileSync(join(dataDir, "hosts.journal.jsonl"), "utf8")).toBe("");
  rmSync(join(dataDir, "hosts.json"));
  await expectRefused(
    dataDir,
    `${join(dataDir, "hosts.json")} is damaged (missing, but hosts.journal.jsonl exists beside it)`,
  );
});

test("a whole line cut out of the middle of a journal is a sequence gap: refused naming the file and line", async () => {
  const dataDir = copy();
  const journal = join(dataDir, "hosts.journal.jsonl");
  const all = lines(journal);
  expect(all.length).toBeGreaterThan(3);
  writeFileSync(journal, `${[...all.slice(0, 2), ...all.slice(3)].join("\n")}\n`);
  await expectRefused(
    dataDir,
    new RegExp(
      `${journal} is damaged \\(line 3 is change \\d+, but the change before it is \\d+: change \\d+ is missing`,
    ),
  );
});

test("a refused start leaves what the crash left too: temp files and torn tails stay for the operator's copy", async () => {
  const dataDir = copy();
  writeFileSync(join(dataDir, "hosts.json.tmp-123-0"), "half");
  appendFileSync(join(dataDir, "hosts.journal.jsonl"), '{"seq":999,"put":{"id":"h_tor');
  appendFileSync(join(dataDir, "audit.jsonl"), '{"ts":"2026-');
  const jobsJournal = join(dataDir, "jobs.journal.jsonl");
  const all = lines(jobsJournal);
  writeFileSync(jobsJournal, `${[all[0], ...all.slice(2)].join("\n")}\n`);
  await expectRefused(dataDir, `${jobsJournal} is damaged (line 2 is change`);
});

test("a damaged audit line before the last one is refused naming audit.jsonl and the line", async () => {
  const dataDir = copy();
  const audit = join(dataDir, "audit.jsonl");
  const all = lines(audit);
  all[2] = all[2]!.slice(0, 20);
  writeFileSync(audit, `${all.join("\n")}\n`);
  await expectRefused(dataDir, `${audit} is damaged (line 3 is not valid JSON`);
  all[2] = JSON.stringify({ actor: "admin" });
  writeFileSync(audit, `${all.join("\n")}\n`);
  await expectRefused(dataDir, `${audit} is damaged (line 3 is not an audit entry`);
});

test("a damaged output line: fleetd starts, and reading that job's output names the file and line", async () => {
  const dataDir = copy();
  const file = join(dataDir, "output", `${outputJobId}.jsonl`);
  const all = lines(file);
  all[1] = "{garbage";
  writeFileSync(file, `${all.join("\n")}\n`);
  const run = fleetd(dataDir);
  const url = await run.listening();
  const detail = await api(url, adminToken, "GET", `/api/v1/jobs/${outputJobId}`);
  expect(detail.status).toBe(500);
  expect(detail.body.error.message).toContain(
    `output/${outputJobId}.jsonl in fleetd's data dir is damaged (line 2 is not valid JSON`,
  );
  // One job's damaged output does not take the board down.
  expect((await api(url, adminToken, "GET", "/api/v1/board")).status).toBe(200);
  run.child.kill("SIGTERM");
  await run.exited();
});

test("--repair starts with what is intact, moves the damaged files into repair-<time>/ and says what it kept", async () => {
  const dataDir = copy();
  rmSync(join(dataDir, "hosts.json"));
  const jobsJournal = join(dataDir, "jobs.journal.jsonl");
  const jobLines = lines(jobsJournal);
  writeFileSync(jobsJournal, `${[jobLines[0], ...jobLines.slice(2)].join("\n")}\n`);
  const audit = join(dataDir, "audit.jsonl");
  const auditLines = lines(audit);
  auditLines[1] = "{not json";
  writeFileSync(audit, `${auditLines.join("\n")}\n`);
  const output = join(dataDir, "output", `${outputJobId}.jsonl`);
  const outputLines = lines(output);
  outputLines[1] = "{garbage";
  writeFileSync(output, `${outputLines.join("\n")}\n`);
  const damaged = {
    hostsJournal: readFileSync(join(dataDir, "hosts.journal.jsonl"), "utf8"),
    audit: readFileSync(audit, "utf8"),
  };

  const run = fleetd(dataDir, ["--repair"]);
  const url = await run.listening();
  const log = run.output();
  expect(log).toMatch(
    /repair: hosts: kept 5 hosts .* set aside repair-[^/]+\/hosts\.journal\.jsonl \(hosts\.json: missing, but/,
  );
  expect(log).toMatch(
    /repair: jobs: kept 14 jobs .* set aside repair-[^/]+\/jobs\.json and repair-[^/]+\/jobs\.journal\.jsonl \(jobs\.journal\.jsonl: line 2 is change/,
  );
  expect(log).toMatch(
    /repair: audit\.jsonl: kept \d+ entries; set aside 1 damaged line\(s\), the whole file is in repair-[^/]+\/audit\.jsonl \(line 2 is not valid JSON/,
  );
  expect(log).toContain(`repair: output/${outputJobId}.jsonl: kept 3 lines; set aside 1 damaged line(s)`);
  expect(log).toMatch(/repair: the damaged files are in .*repair-/);

  const backups = readdirSync(dataDir).filter((n) => n.startsWith("repair-"));
  expect(backups).toHaveLength(1);
  const backup = join(dataDir, backups[0]!);
  expect(readFileSync(join(backup, "hosts.journal.jsonl"), "utf8")).toBe(damaged.hostsJournal);
  expect(readFileSync(join(backup, "audit.jsonl"), "utf8")).toBe(damaged.audit);
  expect(existsSync(join(backup, "output", `${outputJobId}.jsonl`))).toBe(true);

  const hosts = (await api(url, adminToken, "GET", "/api/v1/hosts")).body.hosts;
  expect(hosts.map((h: { name: string }) => h.name).sort()).toEqual(["b1", "b2", "b3", "b4", "b5"]);
  expect((await api(url, adminToken, "GET", "/api/v1/jobs?limit=100")).body.jobs).toHaveLength(14);
  const detail = await api(url, adminToken, "GET", `/api/v1/jobs/${outputJobId}`);
  expect(detail.body.output.map((l: { seq: number }) => l.seq)).toEqual([0, 2, 3]);
  run.child.kill("SIGTERM");
  expect((await run.exited()).code).toBe(0);

  // Repaired for good: a normal start needs no flag.
  const again = fleetd(dataDir);
  await again.listening();
  again.child.kill("SIGTERM");
  expect((await again.exited()).code).toBe(0);
});

test("what kill -9 leaves starts: torn last lines, temp files, journal lines older than the snapshot", async () => {
  const dataDir = copy();
  const hostsJournal = join(dataDir, "hosts.journal.jsonl");
  // A crash between writing a snapshot and emptying its journal: every line is at or below its seq.
  const snapshot = JSON.parse(readFileSync(join(dataDir, "jobs.json"), "utf8"));
  const stale = `${JSON.stringify({ seq: snapshot.seq, put: snapshot.jobs[0] })}\n`;
  writeFileSync(
    join(dataDir, "jobs.journal.jsonl"),
    stale + readFileSync(join(dataDir, "jobs.journal.jsonl"), "utf8"),
  );
  appendFileSync(hostsJournal, '{"seq":999,"put":{"id":"h_tor');
  appendFileSync(join(dataDir, "audit.jsonl"), '{"ts":"2026-');
  appendFileSync(join(dataDir, "output", `${outputJobId}.jsonl`), '{"seq":4,"ts');
  writeFileSync(join(dataDir, "hosts.json.tmp-123-0"), "half");

  const run = fleetd(dataDir);
  const url = await run.listening();
  expect((await api(url, adminToken, "GET", "/api/v1/hosts")).body.hosts).toHaveLength(10);
  expect((await api(url, adminToken, "GET", "/api/v1/jobs?limit=100")).body.jobs).toHaveLength(15);
  const detail = await api(url, adminToken, "GET", `/api/v1/jobs/${outputJobId}`);
  expect(detail.body.output.map((l: { seq: number }) => l.seq)).toEqual([0, 1, 2, 3]);
  run.child.kill("SIGTERM");
  expect((await run.exited()).code).toBe(0);
});

test("a fresh data dir starts empty, and --repair is in fleetd serve --help", async () => {
  const dataDir = join(tempDir(), "fresh");
  const run = fleetd(dataDir);
  const url = await run.listening();
  const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  expect((await api(url, token, "GET", "/api/v1/hosts")).body.hosts).toEqual([]);
  run.child.kill("SIGTERM");
  expect((await run.exited()).code).toBe(0);

  const help = await runToEnd([process.execPath, MAIN, "serve", "--help"]);
  expect(help.stdout).toContain("--repair");
});
