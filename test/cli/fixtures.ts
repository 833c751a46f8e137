// Protocol-valid hosts and jobs for fleetctl's unit tests, with just the fields a test cares about overridden.
import { type Host, Host as HostSchema, type Job, Job as JobSchema } from "../../protocol/index.ts";

export const NOW = Date.parse("2026-01-02T03:04:05.000Z");
export const secondsAgo = (s: number): string => new Date(NOW - s * 1000).toISOString();

export function makeHost(overrides: Partial<Host> = {}): Host {
  return HostSchema.parse({
    id: "h_1",
    name: "web1",
    enrolledAt: secondsAgo(86_400),
    online: true,
    lastSeen: secondsAgo(3),
    version: "1.0.0",
    sha256: "a".repeat(64),
    platform: "linux",
    arch: "x64",
    hostname: "web1.example",
    os: { name: "Linux", release: "6.1.0", distro: "debian" },
    pid: 1234,
    bootId: "boot-1",
    outdated: false,
    runningJobId: null,
    last: { pull: null, switch: null, test: null },
    running: null,
    queued: 0,
    failing: false,
    ...overrides,
  });
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return JobSchema.parse({
    id: "j_1",
    hostId: "h_1",
    op: "pull",
    args: {},
    state: "queued",
    createdAt: secondsAgo(60),
    expiresAt: secondsAgo(-3600),
    ...overrides,
  });
}
