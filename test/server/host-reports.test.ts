// host-states.jsonl through the real store: reports survive a clean stop and a kill, a torn last
// record is cut, a refused write changes nothing, the file is compacted as it grows, a damaged
// header refuses the start and --repair keeps the intact records.
import { afterEach, expect, test } from "bun:test";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { HostState } from "../../protocol/config-state.ts";
import { HOST_REPORTS_FILE } from "../../server/store/host-reports-scan.ts";
import { type JsonStore, openJsonStore } from "../../server/store/json-store.ts";
import { StoreCorruptError } from "../../server/store/load.ts";
import { newHostRecord } from "../../server/store/records/host.ts";
import { repairDataDir } from "../../server/store/repair.ts";
import { hostStateBody, removeTempDirs, silentLog, tempDir } from "./helpers.ts";

let store: JsonStore | undefined;
afterEach(async () => {
  await store?.close().catch(() => {});
  store = undefined;
  removeTempDirs();
});

const open = (dataDir: string) =>
  openJsonStore({ dataDir, lazyFlushMs: 60_000, auditMaxBytes: 1 << 20, log: silentLog });
const report = (commit: string, generation = 1): HostState =>
  hostStateBody(commit, { system: { generation, path: "/nix/store/x-system", needsReboot: false } });
const A = "a1".repeat(20);
const B = "b2".repeat(20);

async function withHosts(dataDir: string, ids: string[]): Promise<JsonStore> {
  const opened = open(dataDir);
  for (const id of ids) await opened.putHost(newHostRecord(id, id, "0".repeat(64), new Date().toISOString()));
  return opened;
}

test("reports survive a clean stop and a kill; memory keeps the summary, the detail is read from disk", async () => {
  const dataDir = join(tempDir(), "data");
  store = await withHosts(dataDir, ["h_1", "h_2"]);
  await store.putHostReport("h_1", report(A));
  await store.putHostReport("h_2", report(B));
  await store.putHostReport("h_1", report(B, 2));
  const wanted = store.readHostReport("h_1");
  expect(wanted?.system?.generation).toBe(2);
  expect(wanted?.generations).toEqual(report(B, 2).generations);
  await store.close();
  expect(readFileSync(join(dataDir, "hosts.json"), "utf8")).not.toContain(B);

  store = open(dataDir);
  expect(store.readHostReport("h_1")).toEqual(wanted);
  expect(store.hostReportSummary("h_1")?.checkout?.commit).toBe(B);
  expect(store.hostReportSummary("h_1")?.checkout?.oldestLockInput).toEqual(
    report(B).checkout?.lockInputs[0],
  );
  // Not closed: as after kill -9, every acknowledged report is there.
  await store.putHostReport("h_2", report(A, 9));
  await store.deleteHost("h_1");
  store = open(dataDir);
  expect(store.readHostReport("h_2")?.system?.generation).toBe(9);
  expect(store.readHostReport("h_1")).toBeNull();
  expect([...store.hostReportSummaries()]).toHaveLength(1);
});

test("a torn last record (a crash mid-append) is cut, and the next report starts on a clean line", async () => {
  const dataDir = join(tempDir(), "data");
  store = await withHosts(dataDir, ["h_1", "h_2"]);
  await store.putHostReport("h_1", report(A));
  await store.close();
  const file = join(dataDir, HOST_REPORTS_FILE);
  const intact = statSync(file).size;
  const [header, body] = readFileSync(file, "utf8").split("\n");
  appendFileSync(file, `${header!.replace('"h_1"', '"h_2"')}\n${body!.slice(0, 100)}`);

  store = open(dataDir);
  expect(statSync(file).size).toBe(intact);
  expect(store.readHostReport("h_2")).toBeNull();
  await store.putHostReport("h_2", report(B));
  store = open(dataDir);
  expect(store.readHostReport("h_1")?.checkout?.commit).toBe(A);
  expect(store.readHostReport("h_2")?.checkout?.commit).toBe(B);
});

test("a refused write changes nothing: the old report stays, in memory and on disk", async () => {
  const dataDir = join(tempDir(), "data");
  store = await withHosts(dataDir, ["h_1"]);
  await store.putHostReport("h_1", report(A));
  await store.close();
  const file = join(dataDir, HOST_REPORTS_FILE);
  const before = readFileSync(file);
  store = open(dataDir);
  const hash = store.hostReportHash("h_1");
  // The disk refuses: a directory stands where the file goes (it is opened on first use).
  rmSync(file);
  mkdirSync(file);
  const refused = store.putHostReport("h_1", report(B));
  expect(store.hostReportSummary("h_1")?.checkout?.commit).toBe(B);
  expect(
    await refused.then(
      () => "stored",
      () => "refused",
    ),
  ).toBe("refused");
  expect(store.hostReportSummary("h_1")?.checkout?.commit).toBe(A);
  expect(store.hostReportHash("h_1")).toBe(hash);
  await store.close();
  rmdirSync(file);
  writeFileSync(file, before);
  store = open(dataDir);
  expect(store.readHostReport("h_1")?.checkout?.commit).toBe(A);
  await store.putHostReport("h_1", report(B));
  expect(readFileSync(file).length).toBeGreaterThan(before.length);
});

test("the file is compacted once it doubles what the latest reports need; every report still reads", async () => {
  const dataDir = join(tempDir(), "data");
  const ids = ["h_1", "h_2", "h_3"];
  store = await withHosts(dataDir, ids);
  const file = join(dataDir, HOST_REPORTS_FILE);
  let size = 0;
  let compactions = 0;
  for (let generation = 1; generation <= 400; generation++) {
    await Promise.all(ids.map((id) => store!.putHostReport(id, report(A, generation))));
    const now = statSync(file).size;
    if (now < size) compactions++;
    size = now;
  }
  expect(compactions).toBeGreaterThan(0);
  expect(size).toBeLessThanOrEqual(1024 * 1024);
  for (const id of ids) expect(store.readHostReport(id)?.system?.generation).toBe(400);
  store = open(dataDir);
  for (const id of ids) expect(store.readHostReport(id)?.system?.generation).toBe(400);
});

test("a damaged header refuses the start naming the line; --repair keeps every intact record", async () => {
  const dataDir = join(tempDir(), "data");
  store = await withHosts(dataDir, ["h_1", "h_2"]);
  await store.putHostReport("h_1", report(A));
  await store.putHostReport("h_2", report(B));
  await store.close();
  store = undefined;
  const file = join(dataDir, HOST_REPORTS_FILE);
  const lines = readFileSync(file, "utf8").split("\n");
  lines[0] = `{"put":${lines[0]!.slice(8)}`; // no longer JSON
  writeFileSync(file, lines.join("\n"));
  expect(() => open(dataDir)).toThrow(StoreCorruptError);
  expect(() => open(dataDir)).toThrow(`${file} is damaged (line 1 is not valid JSON`);

  const log = { lines: [] as string[], info: () => {}, warn: (m: string) => log.lines.push(m) };
  const backup = repairDataDir(dataDir, log);
  expect(backup && existsSync(join(backup, HOST_REPORTS_FILE))).toBe(true);
  expect(log.lines.join("\n")).toContain(`repair: ${HOST_REPORTS_FILE}: kept the reports of 1 host(s)`);
  store = open(dataDir);
  expect(store.readHostReport("h_1")).toBeNull();
  expect(store.readHostReport("h_2")?.checkout?.commit).toBe(B);
});
