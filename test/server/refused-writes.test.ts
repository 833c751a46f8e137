// A write the disk refuses changes nothing: the store's memory goes back to what the disk holds,
// nothing is kept to retry, and the next write carries only its own change. The disk refuses
// here because a directory stands where the file goes (EISDIR), which works as any user;
// test/e2e/disk-full.test.ts does the same on a real full file system (ENOSPC).
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Job, JobFields } from "../../protocol/jobs.ts";
import { type JsonStore, openJsonStore, readCollection } from "../../server/store/json-store.ts";
import type { AlertRecord } from "../../server/store/records/alert.ts";
import { removeTempDirs, silentLog, tempDir } from "./helpers.ts";

let store: JsonStore | undefined;
afterEach(async () => {
  await store?.close().catch(() => {});
  store = undefined;
  removeTempDirs();
});

const open = (dataDir: string) =>
  openJsonStore({ dataDir, lazyFlushMs: 60_000, auditMaxBytes: 1 << 20, log: silentLog });

function job(id: string, extra: Partial<JobFields> = {}): Job {
  const now = new Date().toISOString();
  return {
    id,
    hostId: "h_1",
    op: "pull",
    args: {},
    state: "queued",
    createdAt: now,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    nextSeq: 0,
    outputBytes: 0,
    outputTruncated: false,
    ...extra,
  };
}

test("a refused journal write puts memory back, keeps nothing to retry, and the next write carries only its own line", async () => {
  const dataDir = join(tempDir(), "data");
  store = await reopenedWith(dataDir, job("j_kept"));
  const journal = join(dataDir, "jobs.journal.jsonl");
  // The disk refuses: a new job and a change to the kept one, in one batch.
  blockWithDirectory(journal);
  const refused = [store.putJob(job("j_refused")), store.putJob(job("j_kept", { state: "dispatched" }))];
  // A concurrent request in the same tick sees the change, as before.
  expect(store.getJob("j_refused")).toBeDefined();
  const settled = await Promise.allSettled(refused);
  expect(settled.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  expect(store.getJob("j_refused")).toBeUndefined();
  expect(store.getJob("j_kept")?.state).toBe("queued");

  // Space returns: the next write lands, alone.
  rmdirSync(journal);
  await store.putJob(job("j_after"));
  const lines = readFileSync(journal, "utf8").trim().split("\n");
  expect(lines.map((l) => JSON.parse(l).put.id)).toEqual(["j_after"]);
  await store.close();
  store = undefined;
  const onDisk = readCollection(dataDir, "jobs") as Job[];
  expect(onDisk.map((j) => [j.id, j.state]).sort()).toEqual([
    ["j_after", "queued"],
    ["j_kept", "queued"],
  ]);
});

test("a refused lazy flush leaves one mark per record, written once space returns", async () => {
  const dataDir = join(tempDir(), "data");
  store = await reopenedWith(dataDir, job("j_1"));
  const journal = join(dataDir, "jobs.journal.jsonl");
  blockWithDirectory(journal);
  for (let i = 1; i <= 50; i++) {
    store.putJobLazy(job("j_1", { progress: { current: i, total: 50 } }));
    await store.flush().catch(() => {});
  }
  // Memory keeps the latest lazy value: it is what a later write carries.
  expect(store.getJob("j_1")?.progress).toMatchObject({ current: 50 });
  rmdirSync(journal);
  await store.flush();
  const lines = readFileSync(journal, "utf8").trim().split("\n");
  expect(lines.length).toBe(1);
  expect(JSON.parse(lines[0]!).put.progress).toMatchObject({ current: 50 });
});

test("a refused whole-file write (alerts.json) puts the collection back as the disk has it", async () => {
  const dataDir = join(tempDir(), "data");
  store = open(dataDir);
  const alert = (id: string): AlertRecord => ({
    id,
    kind: "update_failed",
    subject: "h_1",
    message: `alert ${id}`,
    raisedAt: new Date().toISOString(),
  });
  await store.putAlert(alert("a_kept"));
  // A non-empty directory where alerts.json goes: the rename of the temp file is refused.
  const file = join(dataDir, "alerts.json");
  const saved = readFileSync(file, "utf8");
  blockWithDirectory(join(file, "blocker"));
  await expect(store.putAlert(alert("a_refused"))).rejects.toThrow();
  expect(store.listAlerts().map((a) => a.id)).toEqual(["a_kept"]);
  // Nor is the refused write's temp file left behind to take up space.
  expect(readdirSync(dataDir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  rmdirSync(join(file, "blocker"));
  rmdirSync(file);
  writeFileSync(file, saved);
  await store.putAlert(alert("a_after"));
  expect(JSON.parse(readFileSync(file, "utf8")).alerts.map((a: AlertRecord) => a.id)).toEqual([
    "a_kept",
    "a_after",
  ]);
});

/** A store on `dataDir` holding `first`, folded into its snapshot and opened again (no journal open). */
async function reopenedWith(dataDir: string, first: Job): Promise<JsonStore> {
  const s = open(dataDir);
  await s.putJob(first);
  await s.close();
  return open(dataDir);
}

/** A directory where the file goes: opening or renaming onto it is refused, as a full disk refuses. */
function blockWithDirectory(path: string): void {
  rmSync(path.endsWith("blocker") ? join(path, "..") : path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}
