// What the agent says about itself in hello: its build, its binary's hash, the machine.
import { readFileSync } from "node:fs";
import { arch, hostname, release, type, uptime } from "node:os";
import { sha256FileSync } from "../lib/sha256-file.ts";
import type { Hello } from "../protocol/agent.ts";
import { VERSION } from "../protocol/build-info.ts";
import type { Arch, Platform } from "../protocol/common.ts";
import { PROTOCOL_VERSION } from "../protocol/protocol-version.ts";

let _sha256: string | undefined;

/**
 * SHA-256 of the running executable, the same bytes fleetd's manifest hashes. Streamed: reading the
 * ~100 MB binary whole put that much on the agent's heap at every start.
 */
export function selfSha256(): string {
  _sha256 ??= sha256FileSync(process.execPath);
  return _sha256;
}

export function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    // No boot id outside Linux: the boot time, to the minute, identifies a boot as well.
    const bootedAt = Math.round((Date.now() / 1000 - uptime()) / 60);
    return `boot-${bootedAt}`;
  }
}

function _distro(): string | undefined {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    return /^ID="?([^"\n]+)"?/m.exec(text)?.[1];
  } catch {
    return process.platform === "darwin" ? "macos" : undefined;
  }
}

export function helloBody(activeJobs: string[]): Hello {
  return {
    protocol: PROTOCOL_VERSION,
    version: VERSION,
    sha256: selfSha256(),
    platform: process.platform as Platform,
    arch: arch() as Arch,
    hostname: hostname(),
    os: { name: type(), release: release(), distro: _distro() },
    pid: process.pid,
    bootId: bootId(),
    activeJobs,
  };
}

/** argv that starts this same agent again: the compiled binary, or bun + this script. */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}
