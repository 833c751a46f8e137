// Reading a journaled collection (journal.ts) back: the snapshot, then the journal's changes after
// it. Every change carries a sequence number, so what a crash can leave (a torn last line, lines
// already folded into the snapshot) is told apart from what only damage leaves: a change missing
// from the middle, or a snapshot gone while the journal that follows it is still there. A normal
// start refuses the second kind naming the file and line; `fleetd serve --repair` (repair.ts) uses
// the same scan to keep what is intact.
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { scanJsonLines } from "../../lib/json-lines.ts";
import { type JournalSpec, journalPath, snapshotPath } from "./journal.ts";
import { checkWith, StoreCorruptError } from "./load.ts";

export interface Damage {
  path: string;
  problem: string;
}

export interface JournalScan<T> {
  /** Every intact record: the snapshot's, with every intact journal line applied in order. */
  records: T[];
  seq: number;
  tornBytes: number;
  /** In file order; a normal start refuses with the first. */
  damage: Damage[];
}

/** Reads the collection as fleetd starts on it; refuses a damaged or incomplete one. */
export function loadJournaled<T>(spec: JournalSpec<T>): { records: T[]; seq: number; tornBytes: number } {
  const { records, seq, tornBytes, damage } = scanJournaled(spec);
  const first = damage[0];
  if (first) throw new StoreCorruptError(first.path, first.problem);
  return { records, seq, tornBytes };
}

export function scanJournaled<T>(spec: JournalSpec<T>): JournalScan<T> {
  const damage: Damage[] = [];
  const snapshotFile = snapshotPath(spec);
  const journalFile = journalPath(spec);
  const snapshot = readSnapshot(spec, snapshotFile, damage);
  const byId = new Map<string, T>();
  for (const record of snapshot.records) byId.set(spec.idOf(record), record);

  const Line = z.union([
    z.object({ seq: z.number().int().positive(), put: spec.schema }),
    z.object({ seq: z.number().int().positive(), remove: z.string() }),
  ]);
  const check = checkWith(Line, `a ${spec.key} change`);
  const journal = scanJsonLines(journalFile, (raw, line) => ({ line, change: check(raw) }));
  const journalDamage: (Damage & { line: number })[] = journal.damaged.map((d) => ({
    path: journalFile,
    line: d.line,
    problem: `line ${d.line} is ${d.problem}`,
  }));

  // An unreadable snapshot's seq is unknown: count from the journal's first change instead.
  let last: number | undefined = snapshot.seq;
  for (const { line, change } of journal.values) {
    if (last !== undefined && change.seq <= last) continue; // in the snapshot, or a retried write
    if (last !== undefined && change.seq !== last + 1) {
      if (snapshot.missing && last === 0) {
        damage.push({
          path: snapshotFile,
          problem: `missing, but ${basename(journalFile)} starts at change ${change.seq}: it held ${changes(1, change.seq - 1)}`,
        });
      } else {
        journalDamage.push({
          path: journalFile,
          line,
          problem: `line ${line} is change ${change.seq}, but the change before it is ${last}: ${missing(last + 1, change.seq - 1)}`,
        });
      }
    }
    last = change.seq;
    if ("put" in change) byId.set(spec.idOf(change.put), change.put);
    else byId.delete(change.remove);
  }
  // The snapshot is written before the first journal line (see Journal), and folding empties the
  // journal but keeps the file: a journal file with no snapshot beside it lost its snapshot.
  if (
    snapshot.missing &&
    existsSync(journalFile) &&
    journal.values.length === 0 &&
    journalDamage.length === 0
  )
    damage.push({ path: snapshotFile, problem: `missing, but ${basename(journalFile)} exists beside it` });
  damage.push(
    ...journalDamage.sort((a, b) => a.line - b.line).map(({ path, problem }) => ({ path, problem })),
  );
  return {
    records: [...byId.values()],
    seq: Math.max(last ?? 0, snapshot.seq ?? 0),
    tornBytes: journal.tornBytes,
    damage,
  };
}

/** The snapshot's records and seq; a damaged one yields the records that still read (for --repair). */
function readSnapshot<T>(
  spec: JournalSpec<T>,
  path: string,
  damage: Damage[],
): { records: T[]; seq: number | undefined; missing: boolean } {
  if (!existsSync(path)) return { records: [], seq: 0, missing: true };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    damage.push({ path, problem: `not valid JSON: ${(err as Error).message}` });
    return { records: [], seq: undefined, missing: false };
  }
  // A snapshot without seq was written before the journal existed: every line is newer.
  const Snapshot = z.object({
    seq: z.number().int().nonnegative().optional(),
    [spec.key]: z.array(spec.schema),
  });
  const parsed = Snapshot.safeParse(raw);
  if (parsed.success) {
    const data = parsed.data as { seq?: number } & Record<string, T[]>;
    return { records: data[spec.key]!, seq: data.seq ?? 0, missing: false };
  }
  const first = parsed.error.issues[0];
  const where = first?.path.length ? first.path.join(".") : "(top level)";
  damage.push({ path, problem: `unexpected content at ${where}: ${first?.message ?? "invalid"}` });
  const fields = raw as Record<string, unknown> | null;
  const list = fields?.[spec.key];
  const records = Array.isArray(list)
    ? list.flatMap((item) => {
        const record = spec.schema.safeParse(item);
        return record.success ? [record.data] : [];
      })
    : [];
  // A seq that still reads keeps stale journal lines from undoing newer records of the snapshot.
  const seq = fields?.seq;
  return {
    records,
    seq: Number.isInteger(seq) && (seq as number) >= 0 ? (seq as number) : undefined,
    missing: false,
  };
}

const changes = (from: number, to: number): string =>
  from === to ? `change ${from}` : `changes ${from}-${to}`;
const missing = (from: number, to: number): string =>
  `${changes(from, to)} ${from === to ? "is" : "are"} missing`;
