// The orchestrator's handle on its generator processes: spawns them, sends each the same
// request, and adds up what they answer.
import { join } from "node:path";
import type { Subprocess } from "bun";
import { track } from "./children.ts";
import type {
  Envelope,
  ErrorCounts,
  GeneratorInit,
  GeneratorReply,
  GeneratorRequest,
  GeneratorStats,
} from "./generator/messages.ts";

const WORKER = join(import.meta.dir, "generator", "worker.ts");

class Generator {
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: GeneratorReply) => void>();
  readonly proc: Subprocess;

  constructor(readonly index: number) {
    this.proc = track(
      Bun.spawn([process.execPath, WORKER], {
        stdio: ["ignore", "inherit", "inherit"],
        ipc: (message: Envelope<GeneratorReply>) => {
          this.waiting.get(message.id)?.(message.body);
          this.waiting.delete(message.id);
        },
      }),
    );
    void this.proc.exited.then((code) => {
      for (const resolve of this.waiting.values()) {
        resolve({ ok: false, error: `generator ${index} exited with ${code}` });
      }
      this.waiting.clear();
    });
  }

  async send<T>(body: GeneratorRequest): Promise<T> {
    const id = ++this.nextId;
    const reply = await new Promise<GeneratorReply>((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.send({ id, body } satisfies Envelope<GeneratorRequest>);
    });
    if (!reply.ok) throw new Error(`generator ${this.index}: ${reply.error}`);
    return reply.result as T;
  }
}

export class GeneratorPool {
  private constructor(private readonly gens: Generator[]) {}

  /** `agents` simulated hosts spread evenly over `processes` generator processes. */
  static async start(
    processes: number,
    agents: number,
    init: Omit<GeneratorInit, "count" | "prefix">,
    prefix: string,
  ): Promise<GeneratorPool> {
    const gens = Array.from({ length: processes }, (_, i) => new Generator(i));
    const pool = new GeneratorPool(gens);
    await Promise.all(
      gens.map((g, i) => {
        const count = Math.floor(agents / processes) + (i < agents % processes ? 1 : 0);
        return g.send({ op: "init", init: { ...init, count, prefix: `${prefix}${i}` } });
      }),
    );
    return pool;
  }

  get pids(): number[] {
    return this.gens.map((g) => g.proc.pid);
  }

  all<T>(body: GeneratorRequest): Promise<T[]> {
    return Promise.all(this.gens.map((g) => g.send<T>(body)));
  }

  async stats(): Promise<GeneratorStats> {
    const each = await this.all<GeneratorStats>({ op: "stats" });
    const errors: ErrorCounts = { connect: 0, closed: 0, timeout: 0, status: 0 };
    for (const s of each)
      for (const k of Object.keys(errors) as (keyof ErrorCounts)[]) errors[k] += s.errors[k];
    const sum = (pick: (s: GeneratorStats) => number) => each.reduce((n, s) => n + pick(s), 0);
    return {
      agents: sum((s) => s.agents),
      holding: sum((s) => s.holding),
      polls: sum((s) => s.polls),
      agentsWithErrors: sum((s) => s.agentsWithErrors),
      errors,
      idleCloses: sum((s) => s.idleCloses),
      rssBytes: sum((s) => s.rssBytes),
      cpuMs: sum((s) => s.cpuMs),
    };
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.gens.map((g) => g.send({ op: "stop" })));
    await Promise.all(
      this.gens.map((g) => Promise.race([g.proc.exited, Bun.sleep(2000).then(() => g.proc.kill())])),
    );
  }
}
