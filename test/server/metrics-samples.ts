// Reading GET /metrics in the server tests: Prometheus' text format as prom-client writes it (one
// sample per line, no timestamps), and the one sample of a series with given labels.
import { expect } from "bun:test";
import type { TestApp } from "./helpers.ts";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** GET /metrics with the admin token (or `token`), as a scraper does. */
export async function scrapeApp(app: TestApp, token = app.adminToken): Promise<Sample[]> {
  const reply = await app.call("GET", "/metrics", { token });
  expect(reply.status).toBe(200);
  expect(reply.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return parseSamples(reply.body as string);
}

/** The value of the one sample of `name` carrying `labels`; throws unless there is exactly one. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]!.value;
}
