// Sends the host's config state to fleetd when it changed, and only then: a fleet at rest sends
// nothing. The state is read (a few local git calls and symlinks, no network) for every hello,
// after every pull, switch, test, deploy and rollback result delivered, and every
// stateIntervalSeconds (which catches a hand edit or a switch run by hand); never per poll. What
// fleetd acknowledged, by a hello that carried it or an agentState call, is remembered by hash, in
// memory and in the state dir: a hello names that state by its hash alone, so a reconnect storm or
// an agent restarted by an update sends 64 characters a host, not each ~2 KB report again; fleetd
// asks for the report when it holds another. A failed send is retried on its own backoff,
// re-reading the state then, so what goes is what is there at that moment.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { HelloResponse } from "../../protocol/agent.ts";
import type { HostState } from "../../protocol/config-state.ts";
import { ApiError } from "../../protocol/errors.ts";
import { Backoff, type BackoffLimits } from "../backoff.ts";
import type { AgentClient } from "../client.ts";
import type { AgentConfig } from "../config.ts";
import { log } from "../log.ts";
import { statePaths } from "../paths.ts";
import { retryDelay } from "../retry-delay.ts";
import { readHostState } from "./report.ts";
import { hostStateHash } from "./state-hash.ts";

/** The loop wakes at least this often (a huge stateIntervalSeconds must not overflow a timer). */
const MAX_SLEEP_MS = 3600 * 1000;

export type ReadState = (config: AgentConfig, stateDir: string) => Promise<HostState>;

/**
 * What a hello carries: the state as read now, or only its hash when fleetd acknowledged that state
 * before (neither when it could not be read), and the host's tags.
 */
export interface HelloState {
  state?: HostState;
  stateHash?: string;
  tags: string[];
  /**
   * Call with fleetd's answer to the hello. True when fleetd wants the state the hash named (it
   * holds another): the caller wakes the state loop, whose next tick sends it.
   */
  answered(response: Pick<HelloResponse, "stateWanted">): boolean;
  /**
   * The hello carrying the state was refused as invalid (400, 413, ...): true when the caller
   * should say hello again without it, which then keeps it back until it changes. A state fleetd
   * refuses would otherwise fail every hello, and the agent would never connect.
   */
  refused(err: unknown): boolean;
}

export class StateReporter {
  private ackedHash: string | null;
  /** A state fleetd refused as invalid would be refused again: not sent until it changes. */
  private refusedHash: string | null = null;
  /** The next read; the first interval starts at start, the hello having read the state. */
  private dueAt: number;
  /** A failed send: no send before this, whatever asks for a read. */
  private retryAt = 0;
  private readonly backoff: Backoff;

  constructor(
    private readonly config: AgentConfig,
    private readonly stateDir: string,
    private readonly client: Pick<AgentClient, "state">,
    limits: BackoffLimits,
    private readonly read: ReadState = readHostState,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = Backoff.of(limits);
    this.dueAt = now() + this.intervalMs;
    this.ackedHash = _readAcked(this.ackedFile);
  }

  private get ackedFile(): string {
    return statePaths(this.stateDir).stateAcked;
  }

  private get intervalMs(): number {
    return this.config.stateIntervalSeconds * 1000;
  }

  async forHello(): Promise<HelloState> {
    const state = await this._readOrWarn();
    const hash = state ? hostStateHash(state) : null;
    const byHash = hash !== null && hash === this.ackedHash;
    const held = hash !== null && hash === this.refusedHash;
    return {
      state: state && !byHash && !held ? state : undefined,
      stateHash: byHash ? hash : undefined,
      tags: this.config.tags,
      answered: ({ stateWanted }) => {
        if (byHash && stateWanted) {
          this._setAcked(null);
          this.poke();
          return true;
        }
        if (hash && !byHash && hash !== this.refusedHash) this._setAcked(hash);
        return false;
      },
      refused: (err) => {
        if (!state || byHash || held || !hash || !_refusedForGood(err)) return false;
        this._refuse(hash, err);
        return true;
      },
    };
  }

  /** A pull, switch or test result was delivered: read the state at the next tick (or retry). */
  poke(): void {
    this.dueAt = this.retryAt;
  }

  /** How long the loop may sleep before tick has something to do. */
  sleepMs(): number {
    return Math.min(MAX_SLEEP_MS, Math.max(0, this.dueAt - this.now()));
  }

  /** Reads the state when due and sends it when fleetd has not acknowledged it yet. */
  async tick(): Promise<void> {
    if (this.sleepMs() > 0) return;
    this.dueAt = this.now() + this.intervalMs;
    const state = await this._readOrWarn();
    if (!state) return;
    const hash = hostStateHash(state);
    if (hash === this.ackedHash || hash === this.refusedHash) return;
    try {
      await this.client.state(state);
      this._setAcked(hash);
      this.retryAt = 0;
      this.backoff.reset();
    } catch (err) {
      if (_refusedForGood(err)) return this._refuse(hash, err);
      this.retryAt = this.now() + retryDelay("state report", err, this.backoff);
      this.dueAt = this.retryAt;
    }
  }

  private _refuse(hash: string, err: unknown): void {
    this.refusedHash = hash;
    log.warn(
      `fleetd refused this host's config state (${(err as Error).message}); not sending it again until it changes`,
    );
  }

  /**
   * Kept on disk too, so the first hello after a restart names the state by hash. A state dir
   * that cannot take it (full, read-only) costs only that: the next hello sends the whole state.
   */
  private _setAcked(hash: string | null): void {
    if (hash === this.ackedHash) return;
    this.ackedHash = hash;
    try {
      writeFileAtomic(this.ackedFile, `${JSON.stringify({ hash })}\n`, 0o600);
    } catch (err) {
      log.warn(`cannot note the acknowledged config state in ${this.ackedFile}: ${(err as Error).message}`);
    }
  }

  private async _readOrWarn(): Promise<HostState | null> {
    try {
      return await this.read(this.config, this.stateDir);
    } catch (err) {
      log.warn(`cannot read this host's config state: ${(err as Error).message}`);
      return null;
    }
  }
}

/** A missing or unreadable note is no acknowledgement: the hello then sends the whole state. */
function _readAcked(file: string): string | null {
  try {
    const { hash } = JSON.parse(readFileSync(file, "utf8")) as { hash?: unknown };
    return typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) ? hash : null;
  } catch {
    return null;
  }
}

/** The same report would get the same answer: invalid, too large, or a fleetd without the route. */
function _refusedForGood(err: unknown): boolean {
  return err instanceof ApiError && [400, 404, 413, 422].includes(err.status);
}
