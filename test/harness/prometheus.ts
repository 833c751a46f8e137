// A real Prometheus server (Debian's `prometheus`, the "prometheus" test tier) on a loopback
// port, with its config and TSDB in a temp dir, scraping one target with a bearer token read
// from a file, as an operator would run it against fleetd (docs/metrics.md).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../lib/free-port.ts";
import { spawnLogged } from "./fleet.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface ScrapeTarget {
  /** host:port of fleetd. */
  address: string;
  /** The file holding the token Prometheus sends as Authorization: Bearer. */
  tokenFile: string;
  scrapeIntervalSeconds: number;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class TestPrometheus {
  private constructor(
    readonly url: string,
    private readonly proc: Subprocess,
    /** Prometheus' own log lines, to show when it does not come up. */
    readonly log: string[],
  ) {}

  static async start(target: ScrapeTarget): Promise<TestPrometheus> {
    const dir = tempDir("prometheus");
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        `  scrape_interval: ${target.scrapeIntervalSeconds}s`,
        "scrape_configs:",
        "  - job_name: fleetd",
        "    authorization:",
        `      credentials_file: ${target.tokenFile}`,
        "    static_configs:",
        `      - targets: ["${target.address}"]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const log: string[] = [];
    const proc = spawnLogged(
      [
        "prometheus",
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      log,
    );
    const prom = new TestPrometheus(`http://127.0.0.1:${port}`, proc, log);
    try {
      await waitFor(async () => (await fetch(`${prom.url}/-/ready`).catch(() => null))?.ok === true, {
        what: "prometheus ready",
        timeoutMs: 30_000,
      });
    } catch (err) {
      await prom.stop();
      throw new Error(`${(err as Error).message}; its log ends:\n${log.slice(-10).join("\n")}`);
    }
    return prom;
  }

  /** An instant PromQL query through the HTTP API. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: PromSample[] } };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result;
  }

  /** The one value a scalar-like query gives, or null while it gives none. */
  async value(promql: string): Promise<number | null> {
    const result = await this.query(promql);
    return result.length === 1 ? Number(result[0]!.value[1]) : null;
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGTERM");
    await this.proc.exited;
  }
}

interface DashboardPanel {
  targets?: { expr: string }[];
  panels?: DashboardPanel[];
}

/** Every PromQL expression in a Grafana dashboard's JSON file, rows' own panels included. */
export function dashboardExprs(file: string): string[] {
  const walk = (panels: DashboardPanel[]): string[] =>
    panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr), ...walk(p.panels ?? [])]);
  return walk((JSON.parse(readFileSync(file, "utf8")) as { panels: DashboardPanel[] }).panels);
}
