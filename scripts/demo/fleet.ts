// The demo fleet's processes: the compiled fleetd on a temp data dir, and five compiled agents,
// each with its own copy of its binary (so a self-update swaps that copy, not the build cache),
// its own state dir, and a small supervisor that restarts it when it exits, as systemd's
// Restart=always would. Logs go to <root>/logs/.
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { statePaths } from "../../agent/paths.ts";
import { linkOrCopy } from "../../lib/link-or-copy.ts";
import type { DemoHost } from "./config-repo.ts";

/** The demo's own overrides of fleetd's limits: a short soak so an update settles in seconds. */
export const DEMO_FLEET_LIMITS = { updateSoakMs: 2_000 };
/** A supervisor's pause before restarting an agent, like systemd's RestartSec. */
const RESTART_DELAY_MS = 200;

const _logTo = (path: string) => openSync(path, "a", 0o600);

export class DemoFleetd {
  private constructor(
    readonly url: string,
    readonly adminToken: string,
    /** The board needs a token; the demo prints a link that carries this read-only one. */
    readonly boardToken: string,
    readonly proc: Subprocess,
  ) {}

  static async start(opts: { bin: string; artifacts: string; root: string; port: number }) {
    const data = join(opts.root, "data");
    const log = _logTo(join(opts.root, "logs", "fleetd.log"));
    const args = ["serve", "--host", "127.0.0.1", "--port", String(opts.port), "--data", data];
    const boardToken = randomBytes(24).toString("hex");
    const proc = Bun.spawn([opts.bin, ...args, "--artifacts", opts.artifacts], {
      env: {
        ...process.env,
        NO_COLOR: "1",
        FLEET_LIMITS: JSON.stringify(DEMO_FLEET_LIMITS),
        FLEET_BOARD_TOKEN: boardToken,
      },
      stdin: "ignore",
      stdout: log,
      stderr: log,
    });
    const url = `http://127.0.0.1:${opts.port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`fleetd exited at start; see ${opts.root}/logs/fleetd.log`);
      const up = await fetch(`${url}/api/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`fleetd did not answer on ${url} within 15 s`);
      await Bun.sleep(100);
    }
    return new DemoFleetd(url, readFileSync(join(data, "admin-token"), "utf8").trim(), boardToken, proc);
  }

  /** An admin API call; throws with fleetd's error message. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json as T;
  }
}

export class DemoAgent {
  private proc: Subprocess | null = null;
  private supervising = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly host: DemoHost,
    readonly dir: string,
    readonly bin: string,
    readonly stateDir: string,
  ) {}

  /** Copies the binary in (a hard link when the filesystem allows), enrolls and writes the config. */
  static enroll(host: DemoHost, root: string, build: string, fleetd: DemoFleetd, token: string) {
    const dir = join(root, "hosts", host.name);
    const bin = join(dir, "bin", "fleet-agent");
    const stateDir = join(dir, "state");
    mkdirSync(join(dir, "bin"), { recursive: true });
    try {
      linkOrCopy(build, bin);
    } catch {
      copyFileSync(build, bin);
      chmodSync(bin, 0o755);
    }
    const argv = [bin, "enroll", "--server", fleetd.url, "--token", token, "--name", host.name];
    const enroll = Bun.spawnSync([...argv, "--state-dir", stateDir], { stdout: "pipe", stderr: "pipe" });
    if (enroll.exitCode !== 0) throw new Error(`enrolling ${host.name} failed: ${enroll.stderr.toString()}`);
    const agent = new DemoAgent(host, dir, bin, stateDir);
    agent.writeConfig(fleetd.url, join(root, "config-repo"));
    return agent;
  }

  private writeConfig(server: string, origin: string): void {
    const config = {
      server,
      name: this.host.name,
      repo: { dir: join(this.dir, "repo"), url: origin, branch: "main" },
      switch: ["sh", "{repo}/bin/switch.sh", "{host}"],
      // The supervisor is this agent's service manager: a rollback restarts the agent by killing
      // the supervised process, which the supervisor then starts again from the (restored) binary.
      service: {
        manager: "none",
        restartCommand: ["sh", "-c", `kill -9 "$(cat '${join(this.dir, "supervised.pid")}')"`],
      },
      update: { healthGraceSeconds: 30, soakSeconds: 2 },
      // A cancelled job's scripts get 1 s after SIGTERM, so Ctrl-C on the demo is quick.
      timeouts: { killGraceSeconds: 1 },
    };
    writeFileSync(statePaths(this.stateDir).config, `${JSON.stringify(config, null, 2)}\n`);
  }

  supervise(logDir: string): void {
    this.supervising = true;
    const log = _logTo(join(logDir, `${this.host.name}.log`));
    this.loop = (async () => {
      while (this.supervising) {
        this.proc = Bun.spawn([this.bin, "run", "--state-dir", this.stateDir], {
          env: { ...process.env, NO_COLOR: "1" },
          stdin: "ignore",
          stdout: log,
          stderr: log,
        });
        writeFileSync(join(this.dir, "supervised.pid"), String(this.proc.pid));
        await this.proc.exited;
        if (this.supervising) await Bun.sleep(RESTART_DELAY_MS);
      }
    })();
  }

  /** Stops restarting it, asks it to stop, and makes it stop after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.supervising = false;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(timer);
    }
    await this.loop;
  }
}
