// `fleetd serve --repair`: the explicit way to start on a damaged data dir. A normal start refuses
// one (load.ts, journal-scan.ts, audit-log.ts); this keeps what is intact instead and says, per
// file, what it kept and what it set aside. Nothing is deleted: every damaged file is first
// copied into <data>/repair-<time>/, and only then replaced by its intact part, so a crash in the
// middle leaves the original in the backup and, at worst, a file the next --repair finds again.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { z } from "zod";
import { fsyncDir, writeFileAtomic } from "../../lib/atomic-write.ts";
import { scanJsonLines } from "../../lib/json-lines.ts";
import { OutputLine } from "../../protocol/jobs.ts";
import { AUDIT_FILES } from "./audit-log.ts";
import { HOST_REPORTS_FILE, scanHostReports } from "./host-reports-scan.ts";
import { OUTPUT_DIR } from "./job-output.ts";
import { type JournalSpec, journalPath, snapshotPath } from "./journal.ts";
import { scanJournaled } from "./journal-scan.ts";
import { AlertsFile, CHANNELS_FILE, CONFIG_PIN_FILE, JOURNALED, RolloutsFile } from "./json-store.ts";
import { checkWith, readStateFile, StoreCorruptError } from "./load.ts";
import { recordJson } from "./record-json.ts";
import { AuditRecord } from "./records/audit.ts";
import { ChannelsFile } from "./records/channel.ts";
import { ConfigPinFile } from "./records/config-pin.ts";
import { Secrets } from "./types.ts";

const FILE_MODE = 0o600;

export interface RepairLog {
  info(message: string): void;
  warn(message: string): void;
}

/** What became of the whole files when damaged: set aside, and what fleetd does without them. */
const WHOLE_FILES: { name: string; schema: z.ZodType; without: string }[] = [
  { name: "secrets.json", schema: Secrets.nullable(), without: "fleetd creates a new admin token now" },
  { name: "alerts.json", schema: AlertsFile, without: "open alerts are raised again by what they watch" },
  { name: "rollouts.json", schema: RolloutsFile, without: "rollouts start empty" },
  { name: CONFIG_PIN_FILE, schema: ConfigPinFile, without: "the config target is no longer pinned" },
  { name: CHANNELS_FILE, schema: ChannelsFile, without: "no notification channels until added again" },
];

/** Returns the backup directory when something was set aside, else null. */
export function repairDataDir(dataDir: string, log: RepairLog, now = new Date()): string | null {
  if (!existsSync(dataDir)) return null;
  const backup = new Backup(dataDir, now);
  for (const spec of Object.values(JOURNALED))
    repairJournaled({ ...(spec as unknown as Omit<JournalSpec<object>, "dir">), dir: dataDir }, backup, log);
  repairHostReports(join(dataDir, HOST_REPORTS_FILE), backup, log);
  for (const file of WHOLE_FILES) repairWholeFile(join(dataDir, file.name), file, backup, log);
  const checkAudit = checkWith(AuditRecord, "an audit entry");
  for (const name of AUDIT_FILES) repairLines(join(dataDir, name), checkAudit, "entries", backup, log);
  const outputDir = join(dataDir, OUTPUT_DIR);
  const checkOutput = checkWith(OutputLine, "an output line");
  if (existsSync(outputDir)) {
    for (const name of readdirSync(outputDir)
      .filter((n) => n.endsWith(".jsonl"))
      .sort())
      repairLines(join(outputDir, name), checkOutput, "lines", backup, log);
  }
  if (backup.used) log.warn(`repair: the damaged files are in ${backup.dir}; starting with what is intact`);
  else log.info("repair: every state file is intact; starting normally");
  return backup.used ? backup.dir : null;
}

/** <data>/repair-<time>/, made on first use, with the data dir's layout (output/ inside). */
class Backup {
  readonly dir: string;
  used = false;
  constructor(
    readonly dataDir: string,
    now: Date,
  ) {
    this.dir = join(dataDir, `repair-${now.toISOString().replace(/[:.]/g, "-")}`);
  }

  /** Copies the file in (durably) and returns where it went, relative to the data dir. */
  keep(path: string): string {
    const target = join(this.dir, relative(this.dataDir, path));
    mkdirSync(join(target, ".."), { recursive: true, mode: 0o700 });
    copyFileSync(path, target);
    fsyncDir(join(target, ".."));
    this.used = true;
    return relative(this.dataDir, target);
  }
}

function repairJournaled(spec: JournalSpec<object>, backup: Backup, log: RepairLog): void {
  const scan = scanJournaled(spec);
  if (scan.damage.length === 0) return;
  const files = [snapshotPath(spec), journalPath(spec)].filter((p) => existsSync(p));
  const saved = files.map((p) => backup.keep(p));
  const body = scan.records.map((r) => recordJson(r)).join(",");
  writeFileAtomic(
    snapshotPath(spec),
    `{"seq":${scan.seq},${JSON.stringify(spec.key)}:[${body}]}\n`,
    FILE_MODE,
  );
  if (existsSync(journalPath(spec))) {
    unlinkSync(journalPath(spec));
    fsyncDir(spec.dir);
  }
  const problems = scan.damage.map((d) => `${basename(d.path)}: ${d.problem}`).join("; ");
  log.warn(
    `repair: ${spec.name}: kept ${scan.records.length} ${spec.key} (every intact record and change, up to ` +
      `change ${scan.seq}) as a new ${basename(snapshotPath(spec))}; set aside ${saved.join(" and ")} ` +
      `(${problems})`,
  );
}

/** host-states.jsonl keeps each host's latest intact record, byte for byte. */
function repairHostReports(path: string, backup: Backup, log: RepairLog): void {
  const scan = scanHostReports(path);
  if (scan.damage.length === 0) return;
  const saved = backup.keep(path);
  const bytes = readFileSync(path);
  const records = [...scan.entries.values()].map((e) => bytes.subarray(e.start, e.end));
  writeFileAtomic(path, Buffer.concat(records), FILE_MODE);
  const problems = scan.damage.map((d) => d.problem).join("; ");
  log.warn(
    `repair: ${HOST_REPORTS_FILE}: kept the reports of ${records.length} host(s); set aside ${saved} (${problems}); ` +
      "a host whose report was lost sends it again when it changes or the agent restarts",
  );
}

function repairWholeFile(
  path: string,
  file: (typeof WHOLE_FILES)[number],
  backup: Backup,
  log: RepairLog,
): void {
  try {
    readStateFile(path, file.schema, null);
    return;
  } catch (err) {
    if (!(err instanceof StoreCorruptError)) throw err;
    const saved = backup.keep(path);
    // Moved, not rewritten: a whole file's readable part is not worth guessing at.
    unlinkSync(path);
    fsyncDir(join(path, ".."));
    log.warn(`repair: ${file.name}: set aside into ${saved} (${err.problem}); ${file.without}`);
  }
}

/** A JSONL file keeps its intact lines, byte for byte as they were parsed; the rest is set aside. */
function repairLines(
  path: string,
  check: (raw: unknown) => unknown,
  what: string,
  backup: Backup,
  log: RepairLog,
): void {
  const scan = scanJsonLines(path, (raw) => {
    check(raw);
    return raw;
  });
  if (scan.damaged.length === 0) return;
  const saved = backup.keep(path);
  writeFileAtomic(path, scan.values.map((v) => `${JSON.stringify(v)}\n`).join(""), FILE_MODE);
  const lines = scan.damaged.map((d) => `line ${d.line} is ${d.problem}`).join("; ");
  log.warn(
    `repair: ${relative(backup.dataDir, path)}: kept ${scan.values.length} ${what}; set aside ${scan.damaged.length} ` +
      `damaged line(s), the whole file is in ${saved} (${lines})`,
  );
}
