// A journal folded into its snapshot in the background (journal.ts): changes go on while the
// snapshot is written a chunk at a time, every change acknowledged at any moment of the fold is
// on disk (a copy of the data dir taken then reads back exactly what memory had), and a refused
// snapshot changes nothing.
import { afterEach, expect, test } from "bun:test";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Journal, type JournalSpec, journalPath, snapshotPath } from "../../server/store/journal.ts";
import { loadJournaled } from "../../server/store/journal-scan.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

afterEach(removeTempDirs);

const Thing = z.object({ id: z.string(), n: z.number().int(), note: z.string() });
type Thing = z.infer<typeof Thing>;

function openThings(dir: string) {
  const spec: JournalSpec<Thing> = { dir, name: "things", key: "things", schema: Thing, idOf: (t) => t.id };
  const loaded = loadJournaled(spec);
  const memory = new Map(loaded.records.map((t) => [t.id, t]));
  const errors: unknown[] = [];
  const journal = new Journal<Thing>(
    spec,
    {
      current: (id) => memory.get(id),
      all: () => memory.values(),
      restore: (id, before) => (before ? memory.set(id, before) : memory.delete(id)),
      mode: 0o600,
      onWriteError: (_path, err) => errors.push(err),
    },
    loaded,
  );
  /** As the store does: the journal first (it remembers what memory had), then memory. */
  const put = (thing: Thing) => {
    const done = journal.put(thing);
    memory.set(thing.id, Object.freeze(thing));
    return done;
  };
  const read = (at = dir) => new Map(loadJournaled({ ...spec, dir: at }).records.map((t) => [t.id, t]));
  return { spec, journal, memory, put, read, errors };
}

const thing = (i: number, n = 0): Thing => ({ id: `t_${i}`, n, note: `thing ${i} `.repeat(8) });

test("changes go on during a fold, and a copy taken at any moment of it reads back what memory had", async () => {
  const dir = join(tempDir(), "data");
  mkdirSync(dir);
  const things = openThings(dir);
  await Promise.all(Array.from({ length: 30_000 }, (_, i) => things.put(thing(i))));

  let done = false;
  const fold = things.journal.snapshotInBackground().then(() => {
    done = true;
  });
  const copies: { dir: string; expected: Map<string, Thing> }[] = [];
  let during = 0;
  for (let i = 0; !done; i++) {
    // An update of an old thing and a new one, each acknowledged before the copy is taken.
    await things.put(thing(i, i + 1));
    await things.put(thing(100_000 + i));
    if (done) break;
    during++;
    if (i % 3 === 0) {
      const copy = join(tempDir(), `copy-${i}`);
      cpSync(dir, copy, { recursive: true });
      copies.push({ dir: copy, expected: new Map(things.memory) });
    }
  }
  await fold;
  expect(things.errors).toEqual([]);
  expect(during).toBeGreaterThan(0);
  expect(copies.length).toBeGreaterThan(0);
  for (const copy of copies) expect(things.read(copy.dir)).toEqual(copy.expected);

  // After the fold the journal holds only what came after its moment, and the whole reads back.
  expect(JSON.parse(readFileSync(snapshotPath(things.spec), "utf8")).seq).toBeGreaterThanOrEqual(30_000);
  expect(statSync(journalPath(things.spec)).size).toBeLessThan(statSync(snapshotPath(things.spec)).size / 10);
  expect(things.read()).toEqual(things.memory);
  await things.put(thing(1, 99));
  expect(things.read()).toEqual(things.memory);
});

test("a crash after the new snapshot landed, before the journal was cut, replays nothing twice", async () => {
  const dir = join(tempDir(), "data");
  mkdirSync(dir);
  const things = openThings(dir);
  await Promise.all(Array.from({ length: 20_000 }, (_, i) => things.put(thing(i))));
  const fold = things.journal.snapshotInBackground();
  await things.put(thing(1, 7));
  await things.put(thing(50_000));
  await fold;
  // What the disk holds if fleetd died between the snapshot's rename and the journal's cut: the
  // new snapshot beside the whole journal (every change since the last snapshot, all replayed).
  const whole = join(tempDir(), "whole");
  mkdirSync(whole);
  writeFileSync(
    join(whole, "things.journal.jsonl"),
    Array.from({ length: 20_000 }, (_, i) => `{"seq":${i + 1},"put":${JSON.stringify(thing(i))}}\n`).join(
      "",
    ) + readFileSync(journalPath(things.spec), "utf8"),
  );
  cpSync(snapshotPath(things.spec), join(whole, "things.json"));
  expect(things.read(whole)).toEqual(things.memory);
});

test("a snapshot the disk refuses changes nothing: the journal still replays every change", async () => {
  const dir = join(tempDir(), "data");
  mkdirSync(dir);
  const things = openThings(dir);
  await Promise.all(Array.from({ length: 5_000 }, (_, i) => things.put(thing(i))));
  const snapshot = snapshotPath(things.spec);
  const journalBefore = readFileSync(journalPath(things.spec), "utf8");
  // A directory (not empty) where the snapshot goes: the rename is refused, as a full disk would.
  renameSync(snapshot, `${snapshot}.aside`);
  mkdirSync(join(snapshot, "in-the-way"), { recursive: true });
  await expect(things.journal.snapshotInBackground()).rejects.toThrow();
  expect(readFileSync(journalPath(things.spec), "utf8")).toBe(journalBefore);
  rmSync(snapshot, { recursive: true });
  renameSync(`${snapshot}.aside`, snapshot);
  expect(existsSync(`${snapshot}.aside`)).toBe(false);
  expect(things.read()).toEqual(things.memory);
  // The next fold goes through.
  await things.journal.snapshotInBackground();
  expect(statSync(journalPath(things.spec)).size).toBe(0);
  expect(things.read()).toEqual(things.memory);
});
