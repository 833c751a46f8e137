// A scripted stand-in for fleet-agent that speaks the agent API over real HTTP, so fleetctl's
// tests control exactly when a job is dispatched, prints output and ends.
import { hostname } from "node:os";
import {
  EnrollResponse,
  type HostState,
  type JobEvents,
  type JobResult,
  PollResponse,
  PROTOCOL_VERSION,
  type RunCommand,
  routePath,
} from "../../protocol/index.ts";

export class FakeAgent {
  private constructor(
    readonly server: string,
    readonly hostId: string,
    private readonly hostToken: string,
  ) {}

  /** Enrolls `name` with a fresh enroll token minted with the admin token. */
  static async enroll(server: string, adminToken: string, name: string): Promise<FakeAgent> {
    const created = await _call(server, adminToken, "POST", routePath("createEnrollToken"), {});
    const { token } = created as { token: string };
    const enrolled = EnrollResponse.parse(
      await _call(server, null, "POST", routePath("enroll"), { token, name }),
    );
    return new FakeAgent(server, enrolled.hostId, enrolled.hostToken);
  }

  /** Says hello as the agent does at start; `tags` as its config.json would list them. */
  async hello(version = "1.0.0", tags?: string[]): Promise<void> {
    await _call(this.server, this.hostToken, "POST", routePath("agentHello"), {
      protocol: PROTOCOL_VERSION,
      version,
      sha256: "0".repeat(64),
      platform: "linux",
      arch: "x64",
      hostname: hostname().slice(0, 60),
      os: { name: "Linux", release: "test" },
      pid: process.pid,
      bootId: "fake-boot",
      ...(tags ? { tags } : {}),
    });
  }

  /** Reports the host's config state through the agent's own route, with its host token. */
  async state(state: HostState): Promise<void> {
    await _call(this.server, this.hostToken, "POST", routePath("agentState"), state);
  }

  /** Polls until a run command arrives (each poll held at most `waitSeconds`). */
  async nextRun(waitSeconds = 1, attempts = 20): Promise<RunCommand> {
    for (let i = 0; i < attempts; i++) {
      const path = `${routePath("agentPoll")}?wait=${waitSeconds}`;
      const { command } = PollResponse.parse(await _call(this.server, this.hostToken, "GET", path));
      if (command?.type === "run") return command;
    }
    throw new Error("fake agent: no run command arrived");
  }

  async events(jobId: string, events: Partial<JobEvents>): Promise<void> {
    await _call(this.server, this.hostToken, "POST", routePath("agentJobEvents", { id: jobId }), {
      output: [],
      ...events,
    });
  }

  /** Sends output lines numbered from `firstSeq`. */
  async output(jobId: string, firstSeq: number, lines: string[]): Promise<void> {
    const ts = new Date().toISOString();
    const output = lines.map((data, i) => ({ seq: firstSeq + i, ts, stream: "stdout" as const, data }));
    await this.events(jobId, { output });
  }

  async result(jobId: string, result: JobResult): Promise<void> {
    await _call(this.server, this.hostToken, "POST", routePath("agentJobResult", { id: jobId }), result);
  }
}

async function _call(server: string, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(server + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`fake agent: ${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}
