// The audit log at open and when listed: an open re-checks only what was appended since the last
// one (audit.verified.json names the checked prefix by length and SHA-256), yet any changed byte
// in that prefix is still refused naming the line; a listing parses only the lines it returns.
import { afterEach, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../lib/sha256-file.ts";
import { AUDIT_VERIFIED_FILE } from "../../server/store/audit-verified.ts";
import { openJsonStore } from "../../server/store/json-store.ts";
import { StoreCorruptError } from "../../server/store/load.ts";
import type { AuditRecord } from "../../server/store/records/audit.ts";
import { removeTempDirs, silentLog, tempDir } from "./helpers.ts";

afterEach(removeTempDirs);

const open = (dataDir: string, auditMaxBytes = 1 << 20) =>
  openJsonStore({ dataDir, lazyFlushMs: 60_000, auditMaxBytes, log: silentLog });

const entry = (i: number, action = "host.enrolled", details: Record<string, unknown> = {}): AuditRecord => ({
  ts: new Date(Date.UTC(2026, 11, 1, 0, 0, i)).toISOString(),
  actor: `host:h_${i}`,
  action,
  target: `h_${i}`,
  details: { n: i, ...details },
});

async function withEntries(dataDir: string, entries: AuditRecord[], auditMaxBytes?: number): Promise<void> {
  const store = open(dataDir, auditMaxBytes);
  await Promise.all(entries.map((e) => store.appendAudit(e)));
  await store.close();
}

const auditFile = (dataDir: string) => join(dataDir, "audit.jsonl");
const lines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const verified = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, AUDIT_VERIFIED_FILE), "utf8"));

function refusal(dataDir: string): string {
  try {
    open(dataDir);
  } catch (err) {
    expect(err).toBeInstanceOf(StoreCorruptError);
    return (err as Error).message;
  }
  throw new Error("the store opened");
}

test("an open notes the audit lines it checked: their length, count and SHA-256", async () => {
  const dataDir = join(tempDir(), "data");
  await withEntries(
    dataDir,
    [1, 2, 3].map((i) => entry(i)),
  );
  await open(dataDir).close();
  const bytes = readFileSync(auditFile(dataDir));
  expect(verified(dataDir)).toEqual({
    verified: [{ bytes: bytes.length, lines: 3, sha256: sha256Hex(bytes) }],
  });
});

test("a line changed inside the checked part is still refused, naming it", async () => {
  const dataDir = join(tempDir(), "data");
  await withEntries(
    dataDir,
    [1, 2, 3, 4].map((i) => entry(i)),
  );
  await open(dataDir).close();
  const all = lines(auditFile(dataDir));
  all[1] = "{not json";
  writeFileSync(auditFile(dataDir), `${all.join("\n")}\n`);
  expect(refusal(dataDir)).toContain(`${auditFile(dataDir)} is damaged (line 2 is not valid JSON`);
  all[1] = '{"ts":"then","actor":"a","action":"x"}';
  writeFileSync(auditFile(dataDir), `${all.join("\n")}\n`);
  expect(refusal(dataDir)).toContain("(line 2 is not an audit entry");
});

test("what was appended since is checked, with the line counted from the start of the file", async () => {
  const dataDir = join(tempDir(), "data");
  await withEntries(
    dataDir,
    [1, 2, 3].map((i) => entry(i)),
  );
  await open(dataDir).close();
  appendFileSync(auditFile(dataDir), `${JSON.stringify(entry(4))}\n{"torn"\n${JSON.stringify(entry(5))}\n`);
  expect(refusal(dataDir)).toContain("(line 5 is not valid JSON");
});

test("the checked part is passed over: only its hash is read", async () => {
  const dataDir = join(tempDir(), "data");
  await withEntries(
    dataDir,
    [1, 2].map((i) => entry(i)),
  );
  // A note whose hash matches a prefix that holds a line which is no entry: the open trusts the
  // hash, so this proves the prefix is not parsed again.
  const prefix = `${JSON.stringify(entry(1))}\n{"not":"an entry"}\n`;
  writeFileSync(auditFile(dataDir), `${prefix}${JSON.stringify(entry(3))}\n`);
  const note = { verified: [{ bytes: Buffer.byteLength(prefix), lines: 2, sha256: sha256Hex(prefix) }] };
  writeFileSync(join(dataDir, AUDIT_VERIFIED_FILE), JSON.stringify(note));
  await open(dataDir).close();
  // Without the note (or with a damaged one) the whole file is checked again.
  writeFileSync(join(dataDir, AUDIT_VERIFIED_FILE), "{damaged");
  expect(refusal(dataDir)).toContain("(line 2 is not an audit entry");
});

test("listing reads newest first, filters by action, and reaches into the rotated file", async () => {
  const dataDir = join(tempDir(), "data");
  const entries = Array.from({ length: 40 }, (_, i) =>
    entry(i, i % 3 === 0 ? "job.created" : "host.enrolled"),
  );
  // A details key named "action" must not make an entry match another action.
  entries.push(entry(40, "host.enrolled", { action: "job.created" }));
  await withEntries(dataDir, entries, 2_000);
  const store = open(dataDir, 2_000);
  try {
    // What the two files hold, oldest first: the rotation dropped the oldest entries.
    const kept = ["audit.1.jsonl", "audit.jsonl"].flatMap((name) =>
      lines(join(dataDir, name)).map((line) => JSON.parse(line) as AuditRecord),
    );
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(entries.length);
    const newest = store.listAudit({ limit: 5 });
    expect(newest.map((e) => e.details?.n)).toEqual([40, 39, 38, 37, 36]);
    const jobs = store.listAudit({ action: "job.created", limit: 100 });
    expect(jobs).toEqual(kept.filter((e) => e.action === "job.created").reverse());
    expect(jobs.length).toBeGreaterThan(3);
    expect(store.listAudit({ action: "job.created", limit: 2 })).toEqual(jobs.slice(0, 2));
    expect(store.listAudit({ limit: 1000 })).toEqual([...kept].reverse());
    expect(store.listAudit({ action: "nothing.like.this", limit: 10 })).toEqual([]);
  } finally {
    await store.close();
  }
});

test("a damaged line a listing reaches is refused naming its line; lines it does not reach are not read", async () => {
  const dataDir = join(tempDir(), "data");
  await withEntries(
    dataDir,
    [1, 2, 3, 4, 5].map((i) => entry(i)),
  );
  const store = open(dataDir);
  try {
    const all = lines(auditFile(dataDir));
    all[1] = "{not json";
    writeFileSync(auditFile(dataDir), `${all.join("\n")}\n`);
    expect(store.listAudit({ limit: 3 }).map((e) => e.details?.n)).toEqual([5, 4, 3]);
    expect(() => store.listAudit({ limit: 10 })).toThrow(
      `${auditFile(dataDir)} is damaged (line 2 is not valid JSON`,
    );
  } finally {
    await store.close();
  }
});
