// The storage interface fleetd's services read from. The JSON-file store implements it today;
// a database backend can replace it when a fleet outgrows one server.
//
// Reads are synchronous over an in-memory working set. A change that must check first (use an
// enroll token, claim a job, end it if it has not ended, start a rollout if none is active) is
// not made here by the services but through the repository (../repository/types.ts), one whole
// intent each, so that a database can make it one transaction; the JSON repository decides it over
// this working set before its first await. The writes here are the ones that need no check, or
// whose check is still in a service (docs/replicas.md lists them). Durable mutations return a
// promise that resolves only once the change is on disk; a route acknowledges a change to a
// client only after awaiting it.
//
// What the store holds are records (records/), not the API's types: each resource maps to and
// from the wire in its records/ file, so an API change is not a data migration.
//
// Records are values: a change puts a new object, never edits a stored one in place (the JSON
// store keeps each record's serialized form for as long as the object lives, and freezes it).
import { z } from "zod";
import type { HostState } from "../../protocol/config-state.ts";
import type { JobState, OutputLine } from "../../protocol/jobs.ts";
import type { DiskState } from "./disk-status.ts";
import type { AlertRecord } from "./records/alert.ts";
import type { AlertSilenceRecord } from "./records/alert-silence.ts";
import type { AuditRecord } from "./records/audit.ts";
import type { ChannelRecord } from "./records/channel.ts";
import type { ConfigPinRecord } from "./records/config-pin.ts";
import type { DeliveryRecord } from "./records/delivery.ts";
import type { EnrollTokenRecord } from "./records/enroll-token.ts";
import type { HostRecord } from "./records/host.ts";
import type { ReportSummary } from "./records/host-report.ts";
import type { JobRecord } from "./records/job.ts";
import type { RolloutRecord } from "./records/rollout.ts";

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const Secrets = z.object({ adminTokenHash: Sha256Hex });
export type Secrets = z.infer<typeof Secrets>;

export interface JobQuery {
  hostId?: string;
  state?: JobState;
  limit: number;
}

export interface AuditQuery {
  action?: string;
  limit: number;
}

export interface Store {
  readonly dataDir: string;

  getAdminTokenHash(): string | null;
  setAdminTokenHash(hash: string): Promise<void>;

  getEnrollToken(tokenHash: string): Readonly<EnrollTokenRecord> | undefined;
  putEnrollToken(record: EnrollTokenRecord): Promise<void>;
  /** Every remembered token, in no particular order (few: they are pruned a week after expiry). */
  listEnrollTokens(): readonly Readonly<EnrollTokenRecord>[];
  /** Forgets tokens that expired before `before`; written with the next change. */
  pruneEnrollTokens(before: Date): void;

  listHosts(): readonly Readonly<HostRecord>[];
  getHost(id: string): Readonly<HostRecord> | undefined;
  findHostByName(name: string): Readonly<HostRecord> | undefined;
  putHost(host: HostRecord): Promise<void>;
  deleteHost(id: string): Promise<void>;
  /**
   * High-frequency, not awaited, and not written per call: a first sighting goes out with the next
   * batch, later ones with the next write of hosts, a coarse checkpoint, or the shutdown flush.
   */
  recordLastSeen(hostId: string, at: string): void;
  /** The host went offline: its lastSeen is now what operators read; write it with the next batch. */
  settleLastSeen(hostId: string): void;

  /**
   * A host's last config report in brief (records/host-report.ts), what lists and the board derive
   * from; null until it reported. The same object until the next report replaces it.
   */
  hostReportSummary(hostId: string): Readonly<ReportSummary> | null;
  /** Every host's summary, for what scans the fleet's reports (the hosts' target). */
  hostReportSummaries(): Iterable<Readonly<ReportSummary>>;
  /** SHA-256 of the host's stored report (encodeReport), to tell a new report from one sent again. */
  hostReportHash(hostId: string): string | null;
  /** The whole report, read from disk: null when there is none, or it is damaged. */
  readHostReport(hostId: string): HostState | null;
  /** Replaces the host's report; deleting the host removes it. */
  putHostReport(hostId: string, state: HostState): Promise<void>;

  getJob(id: string): Readonly<JobRecord> | undefined;
  /** Newest first. */
  listJobs(query: JobQuery): Readonly<JobRecord>[];
  /** All jobs of a host, oldest first. */
  hostJobs(hostId: string): Readonly<JobRecord>[];
  /** Jobs not in a terminal state, oldest first; of one host when hostId is given. */
  activeJobs(hostId?: string): Readonly<JobRecord>[];
  putJob(job: JobRecord): Promise<void>;
  /** Settles once no write of the job is pending: its record in memory is then the one on disk. */
  jobSettled(id: string): Promise<void>;
  /** For fields whose loss in a crash is harmless (progress); written in the next batch. */
  putJobLazy(job: JobRecord): void;
  /** Removes jobs and their output. */
  deleteJobs(ids: readonly string[]): Promise<void>;

  /** Appends output lines durably; resolves once they are on disk. */
  appendOutput(jobId: string, lines: readonly OutputLine[]): Promise<void>;
  /** Output lines with seq > afterSeq, deduplicated by seq (first wins), in seq order. */
  readOutput(jobId: string, afterSeq?: number): OutputLine[];

  /** Open and resolved alerts, oldest first. */
  listAlerts(): readonly Readonly<AlertRecord>[];
  putAlert(alert: AlertRecord): Promise<void>;
  /** The silences set, expired ones included until the next change drops them. */
  listAlertSilences(): readonly Readonly<AlertSilenceRecord>[];
  /** Replaces every silence. */
  setAlertSilences(silences: readonly AlertSilenceRecord[]): Promise<void>;

  /** Notification channels, oldest first; they hold signing keys and webhook URLs in full. */
  listChannels(): readonly Readonly<ChannelRecord>[];
  getChannel(id: string): Readonly<ChannelRecord> | undefined;
  putChannel(channel: ChannelRecord): Promise<void>;
  /** Removes the channel and every delivery of it still in the outbox. */
  deleteChannel(id: string): Promise<void>;

  /** The outbox: every delivery kept (pending ones always), oldest first. */
  listDeliveries(): Iterable<Readonly<DeliveryRecord>>;
  getDelivery(id: string): Readonly<DeliveryRecord> | undefined;
  findDeliveryByKey(idempotencyKey: string): Readonly<DeliveryRecord> | undefined;
  /** Durable before it resolves; settled deliveries beyond the newest `deliveriesKept` are forgotten. */
  putDelivery(delivery: DeliveryRecord): Promise<void>;

  /** Rollouts, oldest first. */
  listRollouts(): readonly Readonly<RolloutRecord>[];
  getRollout(id: string): Readonly<RolloutRecord> | undefined;
  putRollout(rollout: RolloutRecord): Promise<void>;

  /** The config target's pin, or null when the target is not pinned. */
  getConfigPin(): Readonly<ConfigPinRecord> | null;
  setConfigPin(pin: ConfigPinRecord | null): Promise<void>;

  appendAudit(entry: AuditRecord): Promise<void>;
  /** Newest first. */
  listAudit(query: AuditQuery): AuditRecord[];

  /** Whether writes are being refused for want of space (see disk-status.ts). */
  diskState(): DiskState;

  /** Writes everything pending, including the batched high-frequency fields. */
  flush(): Promise<void>;
  /** Flushes and stops background timers. */
  close(): Promise<void>;
}
