// `bun bench/download.ts [--rate 50mbit]` (Linux, root): what one agent update
// moves and how long it takes over a throttled link. The compiled fleetd serves the compiled
// agent from inside a network namespace of its own, behind a veth pair shaped with tc (tbf at
// --rate each way); the agent's own download code (agent/update/artifact-download.ts)
// fetches it from outside, through a relay on loopback that can cut a connection mid-body,
// and verify.ts checks size and SHA-256 as the update does. Bytes on the wire are the host end's
// rx counter (HTTP bodies plus headers, TCP/IP and retransmits). "Before" is what fleetd served
// until now (identity, and a cut download started over); "after" is zstd/gzip and resuming.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ArtifactDownload } from "../agent/update/artifact-download.ts";
import type { Encoding } from "../agent/update/decode.ts";
import { checkFile } from "../agent/update/verify.ts";
import { ensureBinaries } from "../test/harness/binaries.ts";
import { startCuttingRelay } from "../test/harness/cutting-relay.ts";
import { killAll, track } from "./children.ts";
import { createThrottledLink, missingLinkTools, type ThrottledLink } from "./netns.ts";

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: { rate: { type: "string", default: "50mbit" } },
});
const PORT = 8080;
const log = (line: string) => console.log(line);

interface Row {
  case: string;
  encoding: Encoding;
  bodyMB: number;
  wireMB: number;
  seconds: number;
  resumes: number;
}

async function main(): Promise<number> {
  const missing = missingLinkTools();
  if (missing) {
    console.error(`bench/download.ts: ${missing}`);
    return 2;
  }
  const bins = await ensureBinaries();
  const entry = bins.manifest.artifacts.find((a) => a.program === "fleet-agent" && a.target === bins.target);
  if (!entry) throw new Error(`the build has no fleet-agent for ${bins.target}`);
  const work = mkdtempSync(join(tmpdir(), "fleet-bench-download-"));
  const link: ThrottledLink = createThrottledLink(opts.rate);
  try {
    const fleetd = track(
      Bun.spawn(
        [...link.exec, bins.fleetd, "serve", "--host", link.serverIp, "--port", String(PORT)].concat([
          "--data",
          join(work, "data"),
          "--artifacts",
          bins.dir,
        ]),
        {
          env: { ...process.env, NO_COLOR: "1" },
          stdout: Bun.file(join(work, "fleetd.log")),
          stderr: "inherit",
        },
      ),
    );
    const direct = `http://${link.serverIp}:${PORT}`;
    await waitFor(async () => (await fetch(`${direct}/api/v1/health`)).ok);
    log(`link: ${opts.rate} each way; ${entry.file} is ${(entry.size / 1e6).toFixed(1)} MB`);
    for (const coding of ["zstd", "gzip"] as const) {
      const warm = await warmUp(direct, entry.file, coding);
      log(
        `fleetd made the ${coding} copy in ${warm.seconds.toFixed(1)} s; /api/v1/health meanwhile: ` +
          `max ${warm.maxHealthMs.toFixed(0)} ms (idle ${warm.idleHealthMs.toFixed(0)} ms)`,
      );
    }
    const relay = await startCuttingRelay(link.serverIp, PORT);
    const rows: Row[] = [];
    const dest = join(work, "fleet-agent.new");
    const measure = async (
      name: string,
      body: () => Promise<{ encoding: Encoding; wireBytes: number; resumes: number }>,
    ) => {
      const rx = link.rxBytes();
      const started = performance.now();
      const got = await body();
      await checkFile(dest, entry);
      const row: Row = {
        case: name,
        encoding: got.encoding,
        bodyMB: got.wireBytes / 1e6,
        wireMB: (link.rxBytes() - rx) / 1e6,
        seconds: (performance.now() - started) / 1000,
        resumes: got.resumes,
      };
      rows.push(row);
      log(`${name}: ${row.wireMB.toFixed(1)} MB on the wire, ${row.seconds.toFixed(1)} s`);
      rmSync(dest, { force: true });
    };
    const once = (accept: Encoding[]) => {
      const download = new ArtifactDownload(relay.url, entry, dest, { accept });
      return download.attempt(new AbortController().signal).finally(() => download.close());
    };
    await measure("before: identity", () => once(["identity"]));
    await measure("after: gzip", () => once(["gzip"]));
    await measure("after: zstd (the agent's default)", () => once(["zstd", "gzip"]));
    await measure("before: identity, cut at half, started over", async () => {
      relay.cutAfter(entry.size / 2);
      // What agents did until now: the retry is a new download, from byte 0.
      const cut = new ArtifactDownload(relay.url, entry, dest, { accept: ["identity"] });
      const first = await cut.attempt(new AbortController().signal).catch((err: Error) => err);
      cut.close();
      if (!(first instanceof Error)) throw new Error("the relay did not cut the download");
      const second = await once(["identity"]);
      return { ...second, wireBytes: second.wireBytes + cut.wireBytesReceived };
    });
    await measure("after: zstd, cut at half, resumed", async () => {
      const zstdSize = await sizeOf(direct, entry.file, "zstd");
      relay.cutAfter(zstdSize / 2);
      const download = new ArtifactDownload(relay.url, entry, dest);
      try {
        const signal = new AbortController().signal;
        const first = await download.attempt(signal).catch((err: Error) => err);
        if (!(first instanceof Error)) throw new Error("the relay did not cut the download");
        return await download.attempt(signal);
      } finally {
        download.close();
      }
    });
    relay.close();
    fleetd.kill("SIGTERM");
    await fleetd.exited;
    printTable(rows);
    return 0;
  } finally {
    await killAll();
    link.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Asks for `coding` until fleetd serves it, timing /api/v1/health all the while. */
async function warmUp(server: string, file: string, coding: string) {
  const health = async () => {
    const t = performance.now();
    await (await fetch(`${server}/api/v1/health`)).arrayBuffer();
    return performance.now() - t;
  };
  const idleHealthMs = Math.max(await health(), await health(), await health());
  const started = performance.now();
  let maxHealthMs = 0;
  for (;;) {
    if ((await encodingServed(server, file, coding)) === coding) break;
    for (let i = 0; i < 10; i++) {
      maxHealthMs = Math.max(maxHealthMs, await health());
      await Bun.sleep(20);
    }
    if (performance.now() - started > 600_000) throw new Error(`fleetd made no ${coding} copy in 10 minutes`);
  }
  return { seconds: (performance.now() - started) / 1000, maxHealthMs, idleHealthMs };
}

async function encodingServed(server: string, file: string, coding: string): Promise<string | null> {
  const res = await fetch(`${server}/api/v1/artifacts/${file}`, {
    headers: { "accept-encoding": coding, range: "bytes=0-0" },
    decompress: false,
  });
  await res.arrayBuffer();
  return res.headers.get("content-encoding");
}

async function sizeOf(server: string, file: string, coding: string): Promise<number> {
  const res = await fetch(`${server}/api/v1/artifacts/${file}`, {
    headers: { "accept-encoding": coding, range: "bytes=0-0" },
    decompress: false,
  });
  await res.arrayBuffer();
  return Number(res.headers.get("content-range")?.split("/")[1]);
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error("fleetd did not come up in the namespace within 30 s");
    await Bun.sleep(100);
  }
}

function printTable(rows: Row[]): void {
  const base = rows[0] as Row;
  console.log(
    "\n| case | encoding | HTTP body, MB | on the wire, MB | wall time (download + verify), s | vs identity |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const ratio = `${((r.wireMB / base.wireMB) * 100).toFixed(0)} % bytes, ${((r.seconds / base.seconds) * 100).toFixed(0)} % time`;
    console.log(
      `| ${r.case} | ${r.encoding} | ${r.bodyMB.toFixed(1)} | ${r.wireMB.toFixed(1)} | ${r.seconds.toFixed(1)} | ${ratio} |`,
    );
  }
}

process.exitCode = await main();
