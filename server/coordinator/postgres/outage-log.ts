// One line when a repeated database task starts failing and one when it works again, instead of
// a line per attempt while PostgreSQL is away.
import type { ConsolaInstance } from "consola";

export class OutageLog {
  private failingSince: number | null = null;

  constructor(
    private readonly log: ConsolaInstance,
    private readonly task: string,
  ) {}

  failed(err: unknown, what = this.task): void {
    if (this.failingSince !== null) return;
    this.failingSince = Date.now();
    this.log.warn(`${what} failed, retrying: ${(err as Error).message}`);
  }

  ok(): void {
    if (this.failingSince === null) return;
    const seconds = ((Date.now() - this.failingSince) / 1000).toFixed(1);
    this.failingSince = null;
    this.log.info(`${this.task} works again after ${seconds} s`);
  }
}
