// The load rules and repairDataDir on data dirs the real store wrote: what a crash or a retried
// write leaves loads, a journal without its snapshot only when it starts at change 1, and repair
// keeps every record that still reads and sets whole files aside with a line saying so.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../server/app.ts";
import { readCollection } from "../../server/store/json-store.ts";
import { StoreCorruptError } from "../../server/store/load.ts";
import { repairDataDir } from "../../server/store/repair.ts";
import { enroll, removeTempDirs, silentLog, startTestApp, type TestApp, testConfig } from "./helpers.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

const start = (dataDir: string) => createApp({ config: testConfig(dataDir), log: silentLog });

function recordingLog() {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
}

/** Three hosts folded into hosts.json, two more only in the journal (as after kill -9). */
async function dataDirWithJournal(): Promise<string> {
  app = await startTestApp();
  const { dataDir } = app;
  for (const name of ["a", "b", "c"]) await enroll(app, name);
  await app.close();
  app = await startTestApp({}, dataDir);
  for (const name of ["d", "e"]) await enroll(app, name);
  app = undefined; // not closed: as after kill -9
  return dataDir;
}

test("a first start writes each snapshot before any journal line", async () => {
  app = await startTestApp();
  for (const name of ["hosts", "jobs", "enroll-tokens"])
    expect(JSON.parse(readFileSync(join(app.dataDir, `${name}.json`), "utf8")).seq).toBe(0);
});

test("lines written twice (a write retried after a failed fsync) load once; a gap does not", async () => {
  const dataDir = await dataDirWithJournal();
  const journal = join(dataDir, "hosts.journal.jsonl");
  const text = readFileSync(journal, "utf8");
  writeFileSync(journal, text + text);
  expect(readCollection(dataDir, "hosts")).toHaveLength(5);
  const lines = text.split("\n").filter(Boolean);
  // The first change after the snapshot cut out: the next one follows a gap.
  writeFileSync(journal, `${lines.slice(1).join("\n")}\n`);
  expect(() => readCollection(dataDir, "hosts")).toThrow(StoreCorruptError);
});

test("a journal from a fleetd that never folded (first change 1, no snapshot) loads, and gets its snapshot", async () => {
  const dataDir = await dataDirWithJournal();
  // As a fleetd before the snapshot-first rule left it: every change since the start, no snapshot.
  const all = readCollection(dataDir, "hosts") as { id: string }[];
  const lines = all.map((host, i) => JSON.stringify({ seq: i + 1, put: host }));
  writeFileSync(join(dataDir, "hosts.journal.jsonl"), `${lines.join("\n")}\n`);
  rmSync(join(dataDir, "hosts.json"));
  app = await startTestApp({}, dataDir);
  expect(app.fleet.ctx.store.listHosts()).toHaveLength(5);
  expect(JSON.parse(readFileSync(join(dataDir, "hosts.json"), "utf8")).hosts).toHaveLength(5);
});

test("repair keeps the records of a damaged snapshot that still read, and every journal change", async () => {
  const dataDir = await dataDirWithJournal();
  const snapshot = JSON.parse(readFileSync(join(dataDir, "hosts.json"), "utf8"));
  snapshot.hosts[1].name = 5;
  writeFileSync(join(dataDir, "hosts.json"), JSON.stringify(snapshot));
  await expect(start(dataDir)).rejects.toThrow(
    /hosts\.json is damaged \(unexpected content at hosts\.1\.name/,
  );

  const log = recordingLog();
  const backup = repairDataDir(dataDir, log, new Date("2030-01-02T03:04:05.678Z"));
  expect(backup).toBe(join(dataDir, "repair-2030-01-02T03-04-05-678Z"));
  expect(log.lines[0]).toStartWith("repair: hosts: kept 4 hosts");
  expect(readdirSync(backup!).sort()).toEqual(["hosts.journal.jsonl", "hosts.json"]);
  expect(existsSync(join(dataDir, "hosts.journal.jsonl"))).toBe(false);
  expect((readCollection(dataDir, "hosts") as { name: string }[]).map((h) => h.name).sort()).toEqual([
    "a",
    "c",
    "d",
    "e",
  ]);
  app = await startTestApp({}, dataDir);
  expect(app.fleet.ctx.store.listHosts()).toHaveLength(4);
});

test("repair sets a damaged secrets.json aside whole: the start makes a new admin token", async () => {
  const dataDir = await dataDirWithJournal();
  writeFileSync(join(dataDir, "secrets.json"), '{"adminTokenHash":"nope"}');
  await expect(start(dataDir)).rejects.toThrow(/secrets\.json is damaged/);
  const log = recordingLog();
  const backup = repairDataDir(dataDir, log);
  expect(log.lines[0]).toMatch(
    /^repair: secrets\.json: set aside into repair-.*\/secrets\.json \(.*\); fleetd creates a new admin token now$/,
  );
  expect(readFileSync(join(backup!, "secrets.json"), "utf8")).toBe('{"adminTokenHash":"nope"}');
  app = await startTestApp({}, dataDir);
  expect(app.fleet.newAdminToken).toBeString();
  expect(app.fleet.ctx.store.listHosts()).toHaveLength(5);
});

test("repair on an intact data dir changes nothing and says so", async () => {
  const dataDir = await dataDirWithJournal();
  const log = recordingLog();
  expect(repairDataDir(dataDir, log)).toBeNull();
  expect(log.lines).toEqual(["repair: every state file is intact; starting normally"]);
  expect(readdirSync(dataDir).some((n) => n.startsWith("repair-"))).toBe(false);
});
