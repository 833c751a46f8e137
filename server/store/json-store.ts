// The JSON-file Store: one file per collection in the data directory, held in memory as the
// working set, written whole with writeFileAtomic by group commit, plus append-only JSONL files.
import { join } from "node:path";
import { z } from "zod";
import type { HostState } from "../../protocol/config-state.ts";
import { isTerminal, type OutputLine } from "../../protocol/jobs.ts";
import { AuditLog, checkAuditFiles } from "./audit-log.ts";
import { writeVerified } from "./audit-verified.ts";
import { type DiskState, DiskStatus } from "./disk-status.ts";
import { GroupCommit, type GroupCommitHooks } from "./group-commit.ts";
import { HostReportLog } from "./host-reports.ts";
import { HOST_REPORTS_FILE, loadHostReports } from "./host-reports-scan.ts";
import { JobIndex } from "./job-index.ts";
import { JobOutputFiles, OUTPUT_DIR } from "./job-output.ts";
import { Journal, type JournalHooks, type JournalSpec } from "./journal.ts";
import { loadJournaled } from "./journal-scan.ts";
import { ensurePrivateDir, readStateFile, removeLeftoverTempFiles } from "./load.ts";
import { ReportsInHosts } from "./migrate-reports.ts";
import { OutboxIndex } from "./outbox-index.ts";
import { collectionJson } from "./record-json.ts";
import { AlertRecord, alertRecordFrom } from "./records/alert.ts";
import {
  type AlertSilenceRecord,
  AlertSilencesFile,
  alertSilenceRecordFrom,
} from "./records/alert-silence.ts";
import { type AuditRecord, auditRecordFrom } from "./records/audit.ts";
import { type ChannelRecord, ChannelsFile, channelRecordFrom } from "./records/channel.ts";
import { ConfigPinFile, ConfigPinRecord } from "./records/config-pin.ts";
import { DeliveryRecord, deliveryRecordFrom } from "./records/delivery.ts";
import { EnrollTokenRecord, enrollTokenRecordFrom } from "./records/enroll-token.ts";
import { type HostRecord, HostRecordAsRead, hostRecordFrom } from "./records/host.ts";
import type { ReportSummary } from "./records/host-report.ts";
import { JobRecord, jobRecordFrom } from "./records/job.ts";
import { RolloutRecord, rolloutRecordFrom } from "./records/rollout.ts";
import { type AuditQuery, type JobQuery, Secrets, type Store } from "./types.ts";

export interface JsonStoreOptions {
  dataDir: string;
  /** How often batched changes (job progress, hosts first seen or gone offline) are written. */
  lazyFlushMs: number;
  /**
   * How often lastSeen of hosts that simply stay online is written. Default 10 min: only what a
   * crash of fleetd can lose (see recordLastSeen), so it need not follow every poll.
   */
  lastSeenCheckpointMs?: number;
  auditMaxBytes: number;
  /** Delivered or abandoned notifications kept in the outbox (default 1000); pending ones always are. */
  deliveriesKept?: number;
  /** Each write that landed: the file's name without extension, and how long it took. */
  onWrite?: (file: string, seconds: number) => void;
  log: { warn(...args: unknown[]): void; error(...args: unknown[]): void };
}

/**
 * The collections kept as a snapshot plus a journal (see journal.ts), and how to read each: with
 * the record schemas (records/), which pass over fields they do not know, so a data dir a newer
 * fleetd wrote still loads.
 */
export const JOURNALED = {
  hosts: { name: "hosts", key: "hosts", schema: HostRecordAsRead, idOf: (h: HostRecordAsRead) => h.id },
  jobs: { name: "jobs", key: "jobs", schema: JobRecord, idOf: (j: JobRecord) => j.id },
  enrollTokens: {
    name: "enroll-tokens",
    key: "tokens",
    schema: EnrollTokenRecord,
    idOf: (t: EnrollTokenRecord) => t.tokenHash,
  },
  outbox: { name: "outbox", key: "deliveries", schema: DeliveryRecord, idOf: (d: DeliveryRecord) => d.id },
} as const;

/** What a collection holds on disk, read as fleetd reads it at start (for tests and tools). */
export function readCollection(dataDir: string, which: keyof typeof JOURNALED): object[] {
  const spec = JOURNALED[which] as unknown as Omit<JournalSpec<object>, "dir">;
  return loadJournaled({ ...spec, dir: dataDir }).records;
}

export const AlertsFile = z.object({ alerts: z.array(AlertRecord) });
/** Resolved alerts kept for the record; open ones are never dropped. */
const RESOLVED_ALERTS_KEPT = 500;
export const RolloutsFile = z.object({ rollouts: z.array(RolloutRecord) });
/** Finished rollouts kept for the record; a running one is never dropped. */
const ROLLOUTS_KEPT = 50;
export const CONFIG_PIN_FILE = "config-pin.json";
export const CHANNELS_FILE = "notify-channels.json";
const DEFAULT_DELIVERIES_KEPT = 1000;
/** Absent in data dirs from before silences: read as none. */
export const ALERT_SILENCES_FILE = "alert-silences.json";

/** Every file here may hold token hashes or operator data: owner-only. */
const FILE_MODE = 0o600;

const DEFAULT_LAST_SEEN_CHECKPOINT_MS = 600_000;
/** How soon a refused lastSeen checkpoint is tried again. */
const CHECKPOINT_RETRY_MS = 60_000;

export function openJsonStore(options: JsonStoreOptions): JsonStore {
  return new JsonStore(options);
}

export class JsonStore implements Store {
  readonly dataDir: string;
  private readonly log: JsonStoreOptions["log"];
  private secrets: Secrets | null;
  private readonly hosts = new Map<string, HostRecord>();
  /** Enrolling checks the name is free: a scan per enroll made enrolling 10,000 hosts quadratic. */
  private readonly hostIdByName = new Map<string, string>();
  private readonly enrollTokens = new Map<string, EnrollTokenRecord>();
  private alerts: AlertRecord[];
  private alertSilences: AlertSilenceRecord[];
  private rollouts: RolloutRecord[];
  private configPin: ConfigPinRecord | null;
  private channels: ChannelRecord[];
  private readonly outbox: OutboxIndex;
  private readonly jobs = new JobIndex();
  private readonly output: JobOutputFiles;
  private readonly audit: AuditLog;
  private readonly secretsFile: GroupCommit;
  private readonly hostsFile: Journal<HostRecordAsRead>;
  private readonly reports: HostReportLog;
  private readonly jobsFile: Journal<JobRecord>;
  private readonly tokensFile: Journal<EnrollTokenRecord>;
  private readonly alertsFile: GroupCommit;
  private readonly alertSilencesFile: GroupCommit;
  private readonly rolloutsFile: GroupCommit;
  private readonly configPinFile: GroupCommit;
  private readonly channelsFile: GroupCommit;
  private readonly outboxFile: Journal<DeliveryRecord>;
  private readonly lazyTimer: ReturnType<typeof setInterval>;
  /** Some host's lastSeen moved since it was last written. */
  private lastSeenUnwritten = false;
  private readonly disk: DiskStatus;
  private readonly onWrite: JsonStoreOptions["onWrite"];

  constructor(options: JsonStoreOptions) {
    const dir = options.dataDir;
    this.dataDir = dir;
    this.log = options.log;
    this.onWrite = options.onWrite;
    ensurePrivateDir(dir);
    ensurePrivateDir(join(dir, OUTPUT_DIR));
    // Every file is read before any is changed (temp files removed, torn tails cut, snapshots
    // written), so a start refused for one damaged file leaves the others as the crash left them.
    const preloaded = new Map<string, { records: object[]; seq: number; tornBytes: number }>();
    for (const spec of Object.values(JOURNALED) as unknown as Omit<JournalSpec<object>, "dir">[])
      preloaded.set(spec.name, loadJournaled({ ...spec, dir }));
    const reportsScan = loadHostReports(join(dir, HOST_REPORTS_FILE));
    readStateFile(join(dir, "secrets.json"), Secrets.nullable(), null);
    readStateFile(join(dir, "alerts.json"), AlertsFile, { alerts: [] });
    readStateFile(join(dir, ALERT_SILENCES_FILE), AlertSilencesFile, { silences: [] });
    readStateFile(join(dir, "rollouts.json"), RolloutsFile, { rollouts: [] });
    readStateFile(join(dir, CONFIG_PIN_FILE), ConfigPinFile, { pin: null });
    readStateFile(join(dir, CHANNELS_FILE), ChannelsFile, { channels: [] });
    const auditChecked = checkAuditFiles(dir);
    writeVerified(dir, auditChecked, FILE_MODE);
    for (const sub of [dir, join(dir, OUTPUT_DIR)]) {
      const removed = removeLeftoverTempFiles(sub);
      if (removed.length)
        options.log.warn(`removed temp files left by a crash in ${sub}: ${removed.join(", ")}`);
    }

    const path = (name: string) => join(dir, name);
    this.disk = new DiskStatus(dir);
    const onWriteError = (file: string, err: unknown) => {
      this.disk.writeFailed(file, err);
      options.log.error(`writing ${file} failed`, err);
    };
    const onWriteOk = (file: string) => (seconds: number) => {
      this.disk.writeOk();
      options.onWrite?.(file, seconds);
    };
    const journaled = <T extends object>(
      spec: Omit<JournalSpec<T>, "dir">,
      accept: (record: T) => void,
      hooks: Pick<JournalHooks<T>, "current" | "all" | "restore">,
    ): Journal<T> => {
      const full = { ...spec, dir };
      const loaded = preloaded.get(spec.name) as { records: T[]; seq: number; tornBytes: number };
      for (const record of loaded.records) accept(record);
      const hooksWithOk = { ...hooks, mode: FILE_MODE, onWriteError, onWriteOk: onWriteOk(spec.name) };
      return new Journal(full, hooksWithOk, loaded);
    };

    this.secrets = readStateFile(path("secrets.json"), Secrets.nullable(), null);
    this.reports = new HostReportLog(path(HOST_REPORTS_FILE), reportsScan, {
      mode: FILE_MODE,
      onWriteError,
      onWriteOk: onWriteOk("host-states"),
    });
    const inHosts = new ReportsInHosts();
    this.hostsFile = journaled(JOURNALED.hosts, (h) => this.setHost(inHosts.take(h)), {
      current: (id) => this.hosts.get(id),
      all: () => this.hosts.values(),
      restore: (id, host) => (host ? this.setHost(host) : this.forgetHost(id)),
    });
    if (inHosts.count > 0) this.moveReportsOutOfHosts(inHosts);
    this.tokensFile = journaled(JOURNALED.enrollTokens, (t) => this.enrollTokens.set(t.tokenHash, t), {
      current: (hash) => this.enrollTokens.get(hash),
      all: () => this.enrollTokens.values(),
      restore: (hash, token) => (token ? this.enrollTokens.set(hash, token) : this.enrollTokens.delete(hash)),
    });
    this.alerts = readStateFile(path("alerts.json"), AlertsFile, { alerts: [] }).alerts;
    this.alertSilences = readStateFile(path(ALERT_SILENCES_FILE), AlertSilencesFile, {
      silences: [],
    }).silences;
    this.rollouts = readStateFile(path("rollouts.json"), RolloutsFile, { rollouts: [] }).rollouts;
    this.configPin = readStateFile(path(CONFIG_PIN_FILE), ConfigPinFile, { pin: null }).pin;
    this.channels = readStateFile(path(CHANNELS_FILE), ChannelsFile, { channels: [] }).channels;
    const outbox = new OutboxIndex(options.deliveriesKept ?? DEFAULT_DELIVERIES_KEPT);
    this.outbox = outbox;
    this.outboxFile = journaled(JOURNALED.outbox, (d) => outbox.set(d), {
      current: (id) => outbox.get(id),
      all: () => outbox.all(),
      restore: (id, d) => (d ? outbox.set(d) : outbox.delete(id)),
    });
    this.output = new JobOutputFiles(path(OUTPUT_DIR));
    this.jobsFile = journaled<JobRecord>(
      JOURNALED.jobs,
      (job) => this.jobs.put(isTerminal(job.state) ? job : this.recoverOutputCounters(job)),
      {
        current: (id) => this.jobs.get(id),
        all: () => this.jobs.all(),
        restore: (id, job) => (job ? this.jobs.put(job) : this.jobs.remove(id)),
      },
    );
    this.audit = new AuditLog(dir, options.auditMaxBytes, { onWriteError, onWriteOk: onWriteOk("audit") });

    // Each whole-file collection remembers what its last write left on disk, to go back to it when
    // a write is refused (see group-commit.ts). putRollout changes the array in place: copies.
    let durable = {
      secrets: this.secrets,
      alerts: [...this.alerts],
      alertSilences: this.alertSilences,
      rollouts: [...this.rollouts],
      configPin: this.configPin,
      channels: [...this.channels],
    };
    const commit = (
      name: string,
      serialize: () => string,
      keep: Pick<GroupCommitHooks, "restore" | "written">,
    ) =>
      new GroupCommit(path(name), serialize, FILE_MODE, {
        onWriteError,
        onWriteOk: onWriteOk(name.replace(/\.json$/, "")),
        ...keep,
      });
    this.secretsFile = commit("secrets.json", () => `${JSON.stringify(this.secrets)}\n`, {
      restore: () => {
        this.secrets = durable.secrets;
      },
      written: () => {
        durable = { ...durable, secrets: this.secrets };
      },
    });
    this.alertsFile = commit("alerts.json", () => collectionJson("alerts", this.alerts), {
      restore: () => {
        this.alerts = [...durable.alerts];
      },
      written: () => {
        durable = { ...durable, alerts: [...this.alerts] };
      },
    });
    this.alertSilencesFile = commit(
      ALERT_SILENCES_FILE,
      () => collectionJson("silences", this.alertSilences),
      {
        restore: () => {
          this.alertSilences = durable.alertSilences;
        },
        written: () => {
          durable = { ...durable, alertSilences: this.alertSilences };
        },
      },
    );
    this.rolloutsFile = commit("rollouts.json", () => collectionJson("rollouts", this.rollouts), {
      restore: () => {
        this.rollouts = [...durable.rollouts];
      },
      written: () => {
        durable = { ...durable, rollouts: [...this.rollouts] };
      },
    });
    this.configPinFile = commit(CONFIG_PIN_FILE, () => `${JSON.stringify({ pin: this.configPin })}\n`, {
      restore: () => {
        this.configPin = durable.configPin;
      },
      written: () => {
        durable = { ...durable, configPin: this.configPin };
      },
    });

    this.channelsFile = commit(CHANNELS_FILE, () => collectionJson("channels", this.channels), {
      restore: () => {
        this.channels = [...durable.channels];
      },
      written: () => {
        durable = { ...durable, channels: [...this.channels] };
      },
    });

    const checkpointMs = options.lastSeenCheckpointMs ?? DEFAULT_LAST_SEEN_CHECKPOINT_MS;
    // A refused checkpoint is tried again a minute later, not every interval: on a full disk each
    // try serializes the whole fleet (5 MB at 10,000 hosts) only to be refused.
    let checkpointAgainAt = 0;
    this.lazyTimer = setInterval(() => {
      const now = Date.now();
      if (
        this.lastSeenUnwritten &&
        now - this.hostsFile.snapshotAt >= checkpointMs &&
        now >= checkpointAgainAt &&
        !this.hostsFile.isFolding()
      )
        this.snapshotHosts().catch((err: unknown) => {
          checkpointAgainAt = Date.now() + Math.min(checkpointMs, CHECKPOINT_RETRY_MS);
          onWriteError("hosts.json", err);
        });
      this.flushDirty().catch(() => {
        // Already logged by the writer; what was refused is marked lazy again for the next interval.
      });
    }, options.lazyFlushMs);
    this.lazyTimer.unref?.();
  }

  /** A data dir from before host-states.jsonl: its reports move there, then leave hosts.json. */
  private moveReportsOutOfHosts(inHosts: ReportsInHosts): void {
    const damaged = inHosts.moveTo(this.reports, (id) => this.hosts.has(id));
    if (damaged > 0)
      this.log.warn(
        `${damaged} stored config report(s) were damaged and dropped; those hosts' next report replaces them`,
      );
    try {
      this.hostsFile.snapshot();
    } catch (err) {
      // Memory has the records without reports; the next write of hosts.json drops them on disk.
      this.log.error("writing hosts.json without the moved reports failed", err);
    }
  }

  /** One whole write of hosts.json carries every host's latest lastSeen, written in the background. */
  private async snapshotHosts(): Promise<void> {
    this.lastSeenUnwritten = false;
    try {
      await this.hostsFile.snapshotInBackground();
    } catch (err) {
      // Memory still has every lastSeen: the next checkpoint tries again.
      this.lastSeenUnwritten = true;
      throw err;
    }
  }

  /** jobs.json may lag the output file after a crash; the file decides where output resumes. */
  private recoverOutputCounters(job: JobRecord): JobRecord {
    const found = this.output.recover(job.id);
    const nextSeq = Math.max(job.nextSeq, found.nextSeq);
    if (nextSeq === job.nextSeq && found.bytes === job.outputBytes) return job;
    return { ...job, nextSeq, outputBytes: found.bytes };
  }

  getAdminTokenHash(): string | null {
    return this.secrets?.adminTokenHash ?? null;
  }

  setAdminTokenHash(hash: string): Promise<void> {
    this.secrets = { adminTokenHash: hash };
    return this.secretsFile.commit();
  }

  getEnrollToken(tokenHash: string): EnrollTokenRecord | undefined {
    return this.enrollTokens.get(tokenHash);
  }

  // Each put below journals first (the journal notes the record as it was, see Journal.put) and
  // changes memory in the same tick, so a concurrent request sees the change; a refused write puts
  // memory back before the promise rejects, so a refused request changes nothing.
  // Each put first keeps only the record's fields (records/): whatever else the object carries, an
  // API field for one, stays off disk.
  putEnrollToken(token: EnrollTokenRecord): Promise<void> {
    const record = enrollTokenRecordFrom(token);
    const done = this.tokensFile.put(record);
    this.enrollTokens.set(record.tokenHash, record);
    return done;
  }

  listEnrollTokens(): EnrollTokenRecord[] {
    return [...this.enrollTokens.values()];
  }

  pruneEnrollTokens(before: Date): void {
    for (const [hash, token] of this.enrollTokens) {
      if (Date.parse(token.expiresAt) < before.getTime()) {
        // Forgetting needs no wait: a token come back after a crash (or a refusal) is pruned again.
        this.tokensFile.remove(hash).catch(() => {});
        this.enrollTokens.delete(hash);
      }
    }
  }

  listHosts(): HostRecord[] {
    return [...this.hosts.values()];
  }

  getHost(id: string): HostRecord | undefined {
    return this.hosts.get(id);
  }

  findHostByName(name: string): HostRecord | undefined {
    const id = this.hostIdByName.get(name);
    return id === undefined ? undefined : this.hosts.get(id);
  }

  putHost(given: HostRecord): Promise<void> {
    const host = hostRecordFrom(given);
    const done = this.hostsFile.put(host);
    this.setHost(host);
    return done;
  }

  async deleteHost(id: string): Promise<void> {
    const done = this.hostsFile.remove(id);
    this.forgetHost(id);
    await Promise.all([done, this.reports.remove(id)]);
  }

  hostReportSummary(hostId: string): ReportSummary | null {
    return this.reports.summary(hostId);
  }

  hostReportSummaries(): Iterable<ReportSummary> {
    return this.reports.summaries();
  }

  hostReportHash(hostId: string): string | null {
    return this.reports.hash(hostId);
  }

  readHostReport(hostId: string): HostState | null {
    return this.reports.read(hostId);
  }

  putHostReport(hostId: string, state: HostState): Promise<void> {
    return this.reports.put(hostId, state);
  }

  private forgetHost(id: string): void {
    const host = this.hosts.get(id);
    if (host && this.hostIdByName.get(host.name) === id) this.hostIdByName.delete(host.name);
    this.hosts.delete(id);
  }

  private setHost(host: HostRecord): void {
    const before = this.hosts.get(host.id);
    if (before && before.name !== host.name) this.hostIdByName.delete(before.name);
    this.hosts.set(host.id, host);
    this.hostIdByName.set(host.name, host.id);
  }

  /**
   * Memory always has the latest lastSeen; the API and board read it from there, and an online
   * host shows as online whatever its lastSeen. On disk it matters once the host stops being seen,
   * so a poll does not make hosts.json dirty (rewriting the whole fleet every few seconds for a
   * field nobody reads from disk): a host's first sighting is written with the next batch, its
   * going offline too (settleLastSeen), and otherwise lastSeen rides along with any other write of
   * hosts.json, a checkpoint every lastSeenCheckpointMs, and the flush at shutdown. A crash loses
   * at most one checkpoint interval of lastSeen for hosts that were online at the time.
   */
  recordLastSeen(hostId: string, at: string): void {
    const host = this.hosts.get(hostId);
    if (!host || host.lastSeen === at) return;
    this.hosts.set(hostId, { ...host, lastSeen: at });
    if (host.lastSeen === null) this.hostsFile.markLazy(hostId);
    else this.lastSeenUnwritten = true;
  }

  settleLastSeen(hostId: string): void {
    this.hostsFile.markLazy(hostId);
  }

  getJob(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  listJobs(query: JobQuery): JobRecord[] {
    return this.jobs.newestFirst(query);
  }

  hostJobs(hostId: string): JobRecord[] {
    return this.jobs.ofHost(hostId);
  }

  activeJobs(hostId?: string): JobRecord[] {
    return this.jobs.active(hostId);
  }

  putJob(given: JobRecord): Promise<void> {
    const job = jobRecordFrom(given);
    const done = this.jobsFile.put(job);
    this.jobs.put(job);
    return done;
  }

  jobSettled(id: string): Promise<void> {
    return this.jobsFile.settled(id);
  }

  putJobLazy(job: JobRecord): void {
    this.jobs.put(jobRecordFrom(job));
    this.jobsFile.markLazy(job.id);
  }

  async deleteJobs(ids: readonly string[]): Promise<void> {
    const removed: Promise<void>[] = [];
    for (const id of ids) {
      removed.push(this.jobsFile.remove(id));
      this.jobs.remove(id);
    }
    await Promise.all(removed);
    // Only once jobs.json no longer names them: a crash in between leaves orphan files, not holes.
    for (const id of ids) this.output.remove(id);
  }

  async appendOutput(jobId: string, lines: readonly OutputLine[]): Promise<void> {
    const started = performance.now();
    try {
      this.output.append(jobId, lines);
    } catch (err) {
      this.disk.writeFailed(this.output.path(jobId), err);
      throw err;
    }
    if (lines.length === 0) return;
    this.disk.writeOk();
    this.onWrite?.("output", (performance.now() - started) / 1000);
  }

  readOutput(jobId: string, afterSeq?: number): OutputLine[] {
    return this.output.read(jobId, afterSeq);
  }

  listAlerts(): AlertRecord[] {
    return this.alerts;
  }

  putAlert(given: AlertRecord): Promise<void> {
    const alert = alertRecordFrom(given);
    const others = this.alerts.filter((a) => a.id !== alert.id);
    const resolved = others.filter((a) => a.resolvedAt);
    const dropped = new Set(resolved.slice(0, Math.max(0, resolved.length - RESOLVED_ALERTS_KEPT)));
    this.alerts = [...others.filter((a) => !dropped.has(a)), alert];
    return this.alertsFile.commit();
  }

  listChannels(): ChannelRecord[] {
    return this.channels;
  }

  getChannel(id: string): ChannelRecord | undefined {
    return this.channels.find((c) => c.id === id);
  }

  putChannel(given: ChannelRecord): Promise<void> {
    const channel = channelRecordFrom(given);
    const index = this.channels.findIndex((c) => c.id === channel.id);
    this.channels =
      index >= 0 ? this.channels.map((c, i) => (i === index ? channel : c)) : [...this.channels, channel];
    return this.channelsFile.commit();
  }

  async deleteChannel(id: string): Promise<void> {
    const removed: Promise<void>[] = [];
    for (const d of [...this.outbox.all()]) {
      if (d.channelId !== id) continue;
      removed.push(this.outboxFile.remove(d.id));
      this.outbox.delete(d.id);
    }
    this.channels = this.channels.filter((c) => c.id !== id);
    await Promise.all([...removed, this.channelsFile.commit()]);
  }

  listDeliveries(): Iterable<DeliveryRecord> {
    return this.outbox.all();
  }

  getDelivery(id: string): DeliveryRecord | undefined {
    return this.outbox.get(id);
  }

  findDeliveryByKey(idempotencyKey: string): DeliveryRecord | undefined {
    return this.outbox.findByKey(idempotencyKey);
  }

  putDelivery(given: DeliveryRecord): Promise<void> {
    const delivery = deliveryRecordFrom(given);
    const done = this.outboxFile.put(delivery);
    this.outbox.set(delivery);
    for (const id of this.outbox.overflow()) {
      // Compaction needs no wait: a settled delivery come back after a crash is dropped again.
      this.outboxFile.remove(id).catch(() => {});
      this.outbox.delete(id);
    }
    return done;
  }

  listAlertSilences(): AlertSilenceRecord[] {
    return this.alertSilences;
  }

  setAlertSilences(silences: readonly AlertSilenceRecord[]): Promise<void> {
    this.alertSilences = silences.map(alertSilenceRecordFrom);
    return this.alertSilencesFile.commit();
  }

  listRollouts(): RolloutRecord[] {
    return this.rollouts;
  }

  getRollout(id: string): RolloutRecord | undefined {
    return this.rollouts.find((r) => r.id === id);
  }

  putRollout(given: RolloutRecord): Promise<void> {
    const rollout = rolloutRecordFrom(given);
    const index = this.rollouts.findIndex((r) => r.id === rollout.id);
    if (index >= 0) this.rollouts[index] = rollout;
    else this.rollouts = [...this.rollouts, rollout].slice(-ROLLOUTS_KEPT);
    return this.rolloutsFile.commit();
  }

  getConfigPin(): ConfigPinRecord | null {
    return this.configPin;
  }

  setConfigPin(pin: ConfigPinRecord | null): Promise<void> {
    this.configPin = pin && ConfigPinRecord.parse(pin);
    return this.configPinFile.commit();
  }

  appendAudit(entry: AuditRecord): Promise<void> {
    return this.audit.append(auditRecordFrom(entry));
  }

  listAudit(query: AuditQuery): AuditRecord[] {
    return this.audit.list(query);
  }

  diskState(): DiskState {
    return this.disk.current();
  }

  async flush(): Promise<void> {
    await this.hostsFile.idle();
    if (this.lastSeenUnwritten) await this.snapshotHosts();
    await this.flushDirty();
  }

  private async flushDirty(): Promise<void> {
    await Promise.all([
      ...[this.hostsFile, this.jobsFile, this.tokensFile, this.outboxFile].map((journal) =>
        journal.flushLazy(),
      ),
      ...[
        this.secretsFile,
        this.alertsFile,
        this.alertSilencesFile,
        this.rolloutsFile,
        this.configPinFile,
        this.channelsFile,
      ].map((file) => file.flushIfDirty()),
    ]);
  }

  /** Stops with every journal folded into its snapshot: at rest, each collection is one file. */
  async close(): Promise<void> {
    clearInterval(this.lazyTimer);
    try {
      await this.flush();
    } catch (err) {
      // A full disk at shutdown: only batched fields (lastSeen, progress) are lost, as in a crash;
      // every acknowledged change is in a journal already. Stop anyway, closing every file.
      this.log.warn(`writing batched changes at shutdown failed: ${(err as Error).message}`);
    }
    for (const journal of [this.hostsFile, this.jobsFile, this.tokensFile, this.outboxFile]) {
      await journal.idle();
      try {
        journal.fold();
      } catch (err) {
        // The journal still holds every change; the next start reads it.
        this.log.warn(`folding a journal into its snapshot at shutdown failed: ${(err as Error).message}`);
      }
      journal.close();
    }
    this.reports.close();
    this.audit.close();
  }
}
