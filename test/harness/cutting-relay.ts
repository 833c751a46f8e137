// A TCP relay on loopback in front of a server, that can cut a response short: `cutAfter(n)` ends
// the next request's response (on any connection: fetch keeps them alive) after n bytes, as a
// dropped link would. For resumed downloads, in tests and in bench/download.ts.
import net from "node:net";

export interface CuttingRelay {
  url: string;
  cutAfter(bytes: number): void;
  close(): void;
}

/** `onRequest` sees the head of each request that passes (its request line and headers). */
export function startCuttingRelay(
  host: string,
  port: number,
  onRequest: (head: string) => void = () => {},
): Promise<CuttingRelay> {
  let nextCut: number | null = null;
  const server = net.createServer((client) => {
    const up = net.connect(port, host);
    let cut: number | null = null;
    let passed = 0;
    client.on("data", (chunk: Buffer) => {
      const head = chunk.toString("latin1");
      if (!head.startsWith("GET ")) return;
      onRequest(head);
      if (nextCut !== null) [cut, nextCut, passed] = [nextCut, null, 0];
    });
    client.pipe(up);
    // By hand, not pipe(): a cut must stop mid-chunk, before the bytes past it are written.
    up.on("data", (chunk: Buffer) => {
      if (cut !== null && passed + chunk.length >= cut) {
        client.end(chunk.subarray(0, cut - passed));
        up.destroy();
        return;
      }
      passed += chunk.length;
      if (!client.write(chunk)) {
        up.pause();
        client.once("drain", () => up.resume());
      }
    });
    up.on("end", () => client.end());
    client.on("error", () => up.destroy());
    up.on("error", () => client.destroy());
    client.on("close", () => up.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port: local } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${local}`,
        cutAfter: (bytes) => {
          nextCut = bytes;
        },
        close: () => server.close(),
      });
    });
  });
}
