// What the repository contract's parts share: the handle an implementation hands over (its
// repository, and a way to set up and look at what it stores), and the records the cases start from.
import type { OutputLine } from "../../../protocol/jobs.ts";
import type { Repository } from "../../../server/repository/types.ts";
import type { AlertRecord } from "../../../server/store/records/alert.ts";
import type { AlertSilenceRecord } from "../../../server/store/records/alert-silence.ts";
import type { ChannelRecord } from "../../../server/store/records/channel.ts";
import type { DeliveryRecord } from "../../../server/store/records/delivery.ts";
import type { EnrollTokenRecord } from "../../../server/store/records/enroll-token.ts";
import { type HostRecord, newHostRecord } from "../../../server/store/records/host.ts";
import type { JobRecord } from "../../../server/store/records/job.ts";
import type { RolloutRecord } from "../../../server/store/records/rollout.ts";

export interface RepositoryUnderTest {
  repo: Repository;
  /** Stores records as given, past the intents: the state a test starts from. */
  seed: {
    token(token: EnrollTokenRecord): Promise<void>;
    host(host: HostRecord): Promise<void>;
    job(job: JobRecord): Promise<void>;
    rollout(rollout: RolloutRecord): Promise<void>;
    alert(alert: AlertRecord): Promise<void>;
  };
  /** What is stored now. */
  read: {
    token(tokenHash: string): Readonly<EnrollTokenRecord> | undefined;
    hosts(): readonly Readonly<HostRecord>[];
    job(id: string): Readonly<JobRecord> | undefined;
    output(jobId: string): OutputLine[];
    rollouts(): readonly Readonly<RolloutRecord>[];
    alerts(): readonly Readonly<AlertRecord>[];
    silences(): readonly Readonly<AlertSilenceRecord>[];
    channels(): readonly Readonly<ChannelRecord>[];
    delivery(id: string): Readonly<DeliveryRecord> | undefined;
  };
  /** Removes a channel as the operator does, past the intents. */
  removeChannel(id: string): Promise<void>;
  close(): Promise<void>;
}

export const NOW = new Date("2026-03-04T05:06:07.000Z");
export const isoAt = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
export const HOUR = 3600_000;

export const token = (n: number, extra: Partial<EnrollTokenRecord> = {}): EnrollTokenRecord => ({
  tokenHash: n.toString(16).padStart(64, "0"),
  createdAt: isoAt(-HOUR),
  expiresAt: isoAt(HOUR),
  ...extra,
});

export const host = (id: string, name = id): HostRecord =>
  newHostRecord(id, name, "e".repeat(64), NOW.toISOString());

export const job = (id: string, extra: Partial<JobRecord> = {}): JobRecord =>
  ({
    id,
    hostId: "h_one",
    op: "pull",
    args: {},
    state: "queued",
    createdAt: isoAt(-HOUR),
    expiresAt: isoAt(HOUR),
    nextSeq: 0,
    outputBytes: 0,
    outputTruncated: false,
    ...extra,
  }) as JobRecord;

export const rollout = (id: string, state: RolloutRecord["state"] = "running"): RolloutRecord => ({
  id,
  state,
  target: { kind: "update", version: "1.3.0", sha256: {}, allowDowngrade: false },
  options: {
    canary: 1,
    batch: 1,
    maxFailures: 0,
    timeoutSeconds: 90,
    soakSeconds: 0,
    includeOffline: "skip",
  },
  hosts: [],
  createdAt: NOW.toISOString(),
  createdBy: "admin",
});

export const lineAt = (seq: number): OutputLine => ({
  seq,
  ts: NOW.toISOString(),
  stream: "stdout",
  data: `line ${seq}`,
});

export type OpenRepository = () => Promise<RepositoryUnderTest>;

/** A test body run on a fresh repository, closed after it whatever happened. */
export const usingRepo =
  (open: OpenRepository) => (body: (r: RepositoryUnderTest) => Promise<void>) => async () => {
    const r = await open();
    try {
      await body(r);
    } finally {
      await r.close();
    }
  };
