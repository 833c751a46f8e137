// The benchmark's yardstick: the least a long-poll server can do for the same protocol. A bare
// Bun.serve with in-memory maps, no framework, no validation, no hashing, no persistence. The same
// load generator drives it and fleetd, so fleetd's figures read as "this much of the bare minimum".
// Usage: bun bench/baseline/server.ts --port P --admin-token T [--poll-window-ms 25000]
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "admin-token": { type: "string" },
    "poll-window-ms": { type: "string", default: "25000" },
  },
});
const ADMIN = values["admin-token"] ?? `fa_${crypto.randomUUID()}`;
const WINDOW_MS = Number(values["poll-window-ms"]);

interface Host {
  id: string;
  token: string;
  queue: { jobId: string; op: string; args: Record<string, unknown> }[];
  /** Answers the held poll, if any. */
  wake: (() => void) | null;
  hello: unknown;
  /** The last config state reported (POST /agent/state), kept as it came. */
  state: unknown;
}

const hosts = new Map<string, Host>();
const enrollTokens = new Set<string>();
let nextId = 0;
let held = 0;

const json = (body: unknown, status = 200) => Response.json(body, { status });
const bearer = (req: Request) => req.headers.get("authorization")?.slice(7) ?? "";

function hostOf(req: Request): Host | null {
  const token = bearer(req);
  const id = token.slice(3, token.lastIndexOf("_"));
  const host = hosts.get(id);
  return host && host.token === token ? host : null;
}

async function poll(req: Request, host: Host, server: Bun.Server<undefined>): Promise<Response> {
  const wait = Number(new URL(req.url).searchParams.get("wait") ?? WINDOW_MS / 1000) * 1000;
  const waitMs = Math.min(wait, WINDOW_MS);
  if (host.queue.length === 0 && waitMs > 0) {
    server.timeout(req, Math.ceil(waitMs / 1000) + 15);
    host.wake?.();
    held++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      function done() {
        clearTimeout(timer);
        if (host.wake === done) host.wake = null;
        resolve();
      }
      host.wake = done;
      req.signal.addEventListener("abort", done, { once: true });
    });
    held--;
  }
  const job = host.queue.shift();
  return json({ command: job ? { type: "run", ...job } : null });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  idleTimeout: 30,
  async fetch(req, server) {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/api/v1/agent/poll") {
      const host = hostOf(req);
      return host ? poll(req, host, server) : json({ error: "unauthorized" }, 401);
    }
    if (path === "/api/v1/agent/hello") {
      const host = hostOf(req);
      if (!host) return json({ error: "unauthorized" }, 401);
      host.hello = await req.json();
      return json({ protocol: 1, serverVersion: "baseline", pollSeconds: WINDOW_MS / 1000, outdated: false });
    }
    if (path === "/api/v1/agent/state") {
      const host = hostOf(req);
      if (!host) return json({ error: "unauthorized" }, 401);
      host.state = await req.json();
      return json({ ok: true });
    }
    if (path.startsWith("/api/v1/agent/jobs/")) {
      if (!hostOf(req)) return json({ error: "unauthorized" }, 401);
      await req.json();
      return json(path.endsWith("/events") ? { nextSeq: 0 } : { ok: true });
    }
    if (path === "/api/v1/enroll") {
      const { token, name } = (await req.json()) as { token: string; name: string };
      if (!enrollTokens.delete(token)) return json({ error: "unauthorized" }, 401);
      const id = `h${++nextId}`;
      const hostToken = `fh_${id}_${crypto.randomUUID()}`;
      hosts.set(id, { id, token: hostToken, queue: [], wake: null, hello: null, state: null });
      return json({ hostId: id, hostToken, name }, 201);
    }
    if (path === "/stats") return json({ hosts: hosts.size, held });
    if (bearer(req) !== ADMIN) return json({ error: "unauthorized" }, 401);
    if (path === "/api/v1/enroll-tokens") {
      const token = `fe_${crypto.randomUUID()}`;
      enrollTokens.add(token);
      return json({ token }, 201);
    }
    const jobs = /^\/api\/v1\/hosts\/([^/]+)\/jobs$/.exec(path);
    if (jobs && req.method === "POST") {
      const host = hosts.get(jobs[1]!);
      if (!host) return json({ error: "not found" }, 404);
      const { op, args } = (await req.json()) as { op: string; args?: Record<string, unknown> };
      const job = { jobId: `j${++nextId}`, op, args: args ?? {} };
      host.queue.push(job);
      host.wake?.();
      return json({ job: { id: job.jobId, hostId: host.id, op, state: "queued" } }, 201);
    }
    return json({ error: "not found" }, 404);
  },
});

console.log(JSON.stringify({ port: server.port, adminToken: ADMIN }));
