// A loopback port nothing listens on right now, for a server that must be told its port up front
// (a fleetd child process, the demo, the benchmark). Another process could take it before it is
// used; on loopback in tests and dev tooling that race is rare enough to accept.

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}
