// A notification receiver on loopback for the notify tests: a real HTTP server that records every
// request, refuses the first `refuseFirst` attempts of each idempotency key with a 503 (or every
// attempt while `failing`), and accepts the rest, keeping what it accepted by key.
import type { Server } from "bun";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export class TestReceiver {
  readonly requests: Received[] = [];
  /** Accepted requests by idempotency key: a receiver that dedupes acts on the first of each. */
  readonly accepted = new Map<string, Received[]>();
  private readonly attempts = new Map<string, number>();
  failing = false;

  private constructor(
    private readonly server: Server<undefined>,
    public refuseFirst: number,
  ) {}

  static start(refuseFirst = 0, port = 0): TestReceiver {
    let receiver: TestReceiver | undefined;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch: async (req) => receiver!.handle(req),
    });
    receiver = new TestReceiver(server, refuseFirst);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  get port(): number {
    return this.server.port ?? 0;
  }

  /** Accepted requests of one path, in arrival order. */
  acceptedAt(path: string): Received[] {
    return [...this.accepted.values()].flat().filter((r) => r.path === path);
  }

  private async handle(req: Request): Promise<Response> {
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const received: Received = {
      path: new URL(req.url).pathname,
      headers,
      body: await req.text(),
    };
    this.requests.push(received);
    const key = received.headers["idempotency-key"] ?? "";
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    if (this.failing || attempt <= this.refuseFirst)
      return new Response(`not now (attempt ${attempt})`, { status: 503 });
    this.accepted.set(key, [...(this.accepted.get(key) ?? []), received]);
    return new Response("ok");
  }

  stop(): Promise<void> {
    return this.server.stop(true);
  }
}
