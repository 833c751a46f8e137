// The files the agent keeps in its state dir, as zod schemas: config.json, credentials.json,
// health.json, the runner's switch and test records, a job's spooled events. Read only at build
// time and by tests: the agent checks these files with their JSON Schemas (agent/schema-macro.ts),
// so that `fleet-agent run` never constructs zod (docs/agent.md, "Memory").
import { z } from "zod";
import { HostName, Id, Timestamp } from "../protocol/common.ts";
import { CommitSha, HostTags, SwitchRecord, TestRecord } from "../protocol/config-state.ts";
import { OutputLine, Progress } from "../protocol/jobs.ts";
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS } from "./backoff.ts";
import { MAX_BUILT_FROM, RECORD_VERSION } from "./state/record-format.ts";

/** Reconnect backoff in seconds (config.json `backoff`): the defaults of agent/backoff.ts. */
export const DEFAULT_BACKOFF = {
  baseSeconds: BACKOFF_BASE_MS / 1000,
  maxSeconds: BACKOFF_CAP_MS / 1000,
};

/** Child-process timeouts in seconds; every one can be overridden in config.json. */
export const DEFAULT_TIMEOUTS = {
  gitSeconds: 120,
  switchSeconds: 600,
  testSeconds: 300,
  killGraceSeconds: 5,
  /** A restart job: from asking the agent to exit to the next agent's hello. */
  restartSeconds: 60,
};

/**
 * How often the agent reads its config state (checkout, system, records) besides after every
 * pull, switch and test: catches a hand-made edit or switch. Cheap (a few git calls, no network).
 */
export const DEFAULT_STATE_INTERVAL_SECONDS = 300;

/** How often the agent sends its vitals (load, CPU, memory, disks, uptime); 0 sends none. */
export const DEFAULT_VITALS_INTERVAL_SECONDS = 60;

export const AgentConfig = z.object({
  server: z.string().url(),
  name: HostName,
  repo: z
    .object({
      /** Checkout of the config repo the host is built from. */
      dir: z.string().min(1),
      /** Cloned into `dir` by the first pull when `dir` does not exist yet. */
      url: z.string().optional(),
      branch: z.string().min(1).default("main"),
      remote: z.string().min(1).default("origin"),
      /** Flake inputs refreshed on every pull, so a stale flake.lock cannot pin an old version. */
      flakeInputs: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** argv of the switch command; `{repo}`, `{host}` and `{user}` are substituted. */
  switch: z.array(z.string().min(1)).min(1).optional(),
  /**
   * argv that brings the system back to an earlier generation (a deploy that fails, `rollback`
   * jobs); `{generation}` (the one to go back to) and `{profile}` are substituted besides the
   * switch's. Default: per platform, from the switch command (see defaultRollbackCommand).
   */
  rollback: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Where the active system is read from (see agent/state/system.ts). Default: the profile of the
   * platform the switch command belongs to (NixOS / nix-darwin system, home-manager).
   */
  system: z
    .object({
      /** A Nix profile symlink (`<profile>` -> `<profile>-<N>-link` -> store path). */
      profile: z.string().min(1).optional(),
      /** argv whose stdout names the generation: line 1 a number, optional line 2 a path. */
      stateCommand: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({}),
  stateIntervalSeconds: z.number().positive().default(DEFAULT_STATE_INTERVAL_SECONDS),
  vitalsIntervalSeconds: z.number().nonnegative().max(86_400).default(DEFAULT_VITALS_INTERVAL_SECONDS),
  /** The host's tags, reported in hello; kept in config.json so they live in the config repo. */
  tags: HostTags.default([]),
  /** Tests are `<repo>/<testsDir>/T*.sh`, run in name order. */
  testsDir: z.string().min(1).default("hosts/{host}/tests"),
  /**
   * The service manager that runs this agent. After a switch the runner uses it to make
   * sure the agent that comes back is the new one (see docs/jobs.md).
   */
  service: z
    .object({
      manager: z.enum(["auto", "systemd", "launchd", "none"]).default("auto"),
      /** launchd job label, e.g. "dev.fleet.agent". */
      label: z.string().min(1).default("dev.fleet.agent"),
      /** launchd domain: "gui/<uid>" for a LaunchAgent (default), "system" for a LaunchDaemon. */
      domain: z.string().min(1).optional(),
      /** The plist launchd loaded; a switch that changes it needs bootout + bootstrap. */
      plist: z.string().min(1).optional(),
      /** The installed agent binary the service starts (default: the running executable). */
      binary: z.string().min(1).optional(),
      /** systemd unit name, for `systemctl restart` when a bad update must be rolled back. */
      unit: z.string().min(1).default("fleet-agent.service"),
      /**
       * argv that makes the service manager restart the agent, used to get rid of a new
       * binary that runs but never reports. Default: `systemctl restart <unit>` under
       * systemd, `launchctl kickstart -k` under launchd; none otherwise.
       */
      restartCommand: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({ manager: "auto", label: "dev.fleet.agent", unit: "fleet-agent.service" }),
  /** Self-update health gate; see docs/update.md. */
  update: z
    .object({
      /** The new binary must say hello on the new version within this long, or it is rolled back. */
      healthGraceSeconds: z.number().positive().default(60),
      /** ...and then keep running this long. */
      soakSeconds: z.number().nonnegative().default(10),
      /** Windows: what update.cmd runs after the swap to start the service again. */
      windowsRestart: z.string().default("sc start fleet-agent"),
    })
    .default({ healthGraceSeconds: 60, soakSeconds: 10, windowsRestart: "sc start fleet-agent" }),
  timeouts: z
    .object({
      gitSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.gitSeconds),
      switchSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.switchSeconds),
      testSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.testSeconds),
      killGraceSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.killGraceSeconds),
      restartSeconds: z.number().positive().default(DEFAULT_TIMEOUTS.restartSeconds),
    })
    .default(DEFAULT_TIMEOUTS),
  /** Retry delays of every request to fleetd (hello, poll, delivery); see agent/backoff.ts. */
  backoff: z
    .object({
      baseSeconds: z.number().positive().default(DEFAULT_BACKOFF.baseSeconds),
      maxSeconds: z.number().positive().default(DEFAULT_BACKOFF.maxSeconds),
    })
    .default(DEFAULT_BACKOFF),
});

export const Credentials = z.object({ hostId: Id, hostToken: z.string().min(1) });

/** health.json: who said hello last (agent/update/health.ts). */
export const HealthNote = z.object({
  pid: z.number().int(),
  version: z.string(),
  sha256: z.string(),
  /** ms since epoch of the hello. */
  at: z.number(),
});

/** One line of a job's events.jsonl (agent/jobs/spool.ts). */
export const SpoolEvent = z.discriminatedUnion("t", [
  z.object({ t: z.literal("start"), ts: z.string() }),
  OutputLine.extend({ t: z.literal("out") }),
  z.object({ t: z.literal("progress"), progress: Progress }),
]);

const BuiltFrom = z.object({
  generation: z.number().int().nonnegative(),
  commit: CommitSha.nullable(),
  at: Timestamp,
});

/** switch-record.json (agent/state/records.ts). */
export const SwitchFile = z.object({
  version: z.literal(RECORD_VERSION),
  /** The last successful switch. */
  lastSwitch: SwitchRecord.nullable(),
  /** The newest switch that failed after lastSwitch; cleared by the next successful one. */
  failedAfter: SwitchRecord.nullable(),
  /** Newest first: the commit each successful switch's generation was built from. */
  builtFrom: z.array(BuiltFrom).max(MAX_BUILT_FROM),
});

/** test-record.json (agent/state/records.ts). */
export const TestFile = TestRecord.extend({ version: z.literal(RECORD_VERSION) });

/** What the runner records after a switch and after a test (agent/state/records.ts). */
export const SwitchOutcome = SwitchRecord.extend({ ok: z.boolean(), at: Timestamp.optional() });
export const TestOutcome = TestRecord.extend({ at: Timestamp.optional() });
