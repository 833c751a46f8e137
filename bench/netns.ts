// A throttled link for the download benchmark: a network namespace of its own with one end of
// a veth pair in it, addresses in 10.200.<n>.0/30 on the two ends only, and a token bucket
// (tc tbf) on both ends' egress. Linux and root only; removing the namespace removes the pair.
import { readFileSync } from "node:fs";

export interface ThrottledLink {
  /** Run a command inside the namespace: prefix for Bun.spawn. */
  exec: string[];
  /** The namespace end's address, where fleetd listens. */
  serverIp: string;
  /** Bytes the host end has received so far (all of it: headers, TCP/IP, retransmits). */
  rxBytes(): number;
  remove(): void;
}

function run(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stderr: "pipe", stdout: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString().trim()}`);
}

export function missingLinkTools(): string | null {
  if (process.platform !== "linux") return `the throttled link needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "the throttled link needs root (ip netns, tc)";
  for (const tool of ["ip", "tc"]) if (!Bun.which(tool)) return `${tool} is missing (Debian: iproute2)`;
  return null;
}

/** `rate` as tc spells it, e.g. "50mbit". */
export function createThrottledLink(rate: string): ThrottledLink {
  const id = process.pid % 60000;
  const ns = `fleet-dl-${id}`;
  const hostDev = `fdl${id}h`;
  const nsDev = `fdl${id}n`;
  const subnet = 1 + (id % 250);
  const hostIp = `10.200.${subnet}.1`;
  const serverIp = `10.200.${subnet}.2`;
  run(["ip", "netns", "add", ns]);
  const inNs = ["ip", "netns", "exec", ns];
  try {
    run(["ip", "link", "add", hostDev, "type", "veth", "peer", "name", nsDev]);
    run(["ip", "link", "set", nsDev, "netns", ns]);
    run(["ip", "addr", "add", `${hostIp}/30`, "dev", hostDev]);
    run(["ip", "link", "set", hostDev, "up"]);
    run([...inNs, "ip", "addr", "add", `${serverIp}/30`, "dev", nsDev]);
    run([...inNs, "ip", "link", "set", nsDev, "up"]);
    run([...inNs, "ip", "link", "set", "lo", "up"]);
    // tbf alone: netem (for a delay) is a module many kernels, this one included, lack.
    for (const [prefix, dev] of [[[], hostDev] as const, [inNs, nsDev] as const]) {
      run([
        ...prefix,
        "tc",
        "qdisc",
        "add",
        "dev",
        dev,
        "root",
        "tbf",
        "rate",
        rate,
        "burst",
        "64kb",
        "latency",
        "100ms",
      ]);
    }
  } catch (err) {
    run(["ip", "netns", "del", ns]);
    Bun.spawnSync(["ip", "link", "del", hostDev], { stderr: "ignore" });
    throw err;
  }
  const counter = `/sys/class/net/${hostDev}/statistics/rx_bytes`;
  return {
    exec: inNs,
    serverIp,
    rxBytes: () => Number(readFileSync(counter, "utf8").trim()),
    remove: () => run(["ip", "netns", "del", ns]),
  };
}
