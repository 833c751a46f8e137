// Every simulated host of a generator sending vitals at the real agent's rate: host i of n first
// at i/n of the interval, then once an interval, so the fleet's samples arrive evenly spread. A
// few lanes, each with its own side connection, carry them (a real agent's fetch opens its own),
// so no held poll is disturbed and no process needs a socket per host.
import { HttpConn } from "./http-conn.ts";
import type { SimAgent } from "./sim-agent.ts";

const LANES = 8;

export interface VitalsTally {
  sent: number;
  failed: number;
  firstError: string | null;
  latenciesMs: number[];
}

export class VitalsSender {
  private stopped = false;
  private readonly conns: HttpConn[] = [];
  private readonly lanes: Promise<void>[] = [];
  readonly tally: VitalsTally = { sent: 0, failed: 0, firstError: null, latenciesMs: [] };

  constructor(agents: readonly SimAgent[], hostname: string, port: number, intervalMs: number) {
    const start = performance.now();
    for (let lane = 0; lane < Math.min(LANES, agents.length); lane++) {
      const conn = new HttpConn(hostname, port);
      this.conns.push(conn);
      this.lanes.push(this._lane(agents, lane, conn, start, intervalMs));
    }
  }

  /** Stops sending; answers once every lane's request in flight is back. */
  async stop(): Promise<VitalsTally> {
    this.stopped = true;
    await Promise.all(this.lanes);
    for (const conn of this.conns) conn.close();
    return this.tally;
  }

  private async _lane(
    agents: readonly SimAgent[],
    lane: number,
    conn: HttpConn,
    start: number,
    intervalMs: number,
  ) {
    for (let round = 0; !this.stopped; round++) {
      for (let i = lane; i < agents.length && !this.stopped; i += LANES) {
        const due = start + round * intervalMs + (i / agents.length) * intervalMs;
        const wait = due - performance.now();
        if (wait > 1) await Bun.sleep(wait);
        if (this.stopped) return;
        const t0 = performance.now();
        try {
          await agents[i]!.reportVitals(conn, round);
          this.tally.sent++;
          this.tally.latenciesMs.push(performance.now() - t0);
        } catch (err) {
          this.tally.failed++;
          this.tally.firstError ??= (err as Error).message;
        }
      }
    }
  }
}
