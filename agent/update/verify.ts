// Checks a downloaded agent before it may replace the running one: the manifest entry's
// signature against the keys compiled into this (the running) agent, the file's size and
// SHA-256 against that entry, and the new binary's own `--version`.
import { chmodSync, statSync } from "node:fs";
import { verifyArtifact } from "../../lib/artifact-signature.ts";
import { sha256File } from "../../lib/sha256-file.ts";
import type { Artifact } from "../../protocol/index.ts";
import { runChild } from "../jobs/child.ts";
import { UpdateRefused } from "./errors.ts";

export const VERSION_CHECK_TIMEOUT_MS = 30_000;

export async function checkSignature(
  entry: Artifact,
  version: string,
  trustedKeys: readonly string[],
): Promise<void> {
  if (trustedKeys.length === 0) {
    throw new UpdateRefused(
      "this agent was built without trusted keys (run from source?); it cannot self-update",
    );
  }
  if (!(await verifyArtifact({ ...entry, version }, entry.signature, trustedKeys))) {
    throw new UpdateRefused(`signature of ${entry.file} does not verify against this agent's trusted keys`);
  }
}

export async function checkFile(path: string, entry: Artifact): Promise<void> {
  const size = statSync(path).size;
  if (size !== entry.size) throw new UpdateRefused(`downloaded ${size} bytes, manifest says ${entry.size}`);
  const sha256 = await sha256File(path);
  if (sha256 !== entry.sha256) {
    throw new UpdateRefused(`SHA-256 of the download is ${sha256}, manifest says ${entry.sha256}`);
  }
}

/** Runs `<new> --version`; the binary must start and name the version it was signed as. */
export async function checkRuns(path: string, version: string): Promise<void> {
  chmodSync(path, 0o755);
  const out: string[] = [];
  const result = await runChild([path, "--version"], {
    timeoutMs: VERSION_CHECK_TIMEOUT_MS,
    killGraceMs: 1000,
    onLine: (_s, line) => out.push(line),
  });
  const printed = out.join("\n").trim();
  if (result.exitCode !== 0 || printed !== version) {
    throw new UpdateRefused(
      `new binary failed its --version check (exit ${result.exitCode ?? result.spawnError}, printed "${printed.slice(0, 100)}", expected "${version}")`,
    );
  }
}
