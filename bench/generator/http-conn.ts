// One keep-alive HTTP/1.1 connection over a raw Bun socket, one request at a time: what a real
// agent holds open to fleetd, for a few hundred bytes of memory instead of a fetch() per agent.
// fetch would also cap a process at 256 sockets; this client opens exactly one per simulated host.
import type { Socket } from "bun";

export interface HttpReply {
  status: number;
  body: string;
}

/** Why a request failed without a status: the kinds counted as "dropped" in the results. */
export type TransportError = "connect" | "closed" | "timeout";

export class HttpTransportError extends Error {
  constructor(readonly kind: TransportError) {
    super(`http ${kind}`);
  }
}

interface Pending {
  socket: Socket<HttpConn>;
  resolve: (reply: HttpReply) => void;
  reject: (err: HttpTransportError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const CRLF2 = Buffer.from("\r\n\r\n");

const handlers = {
  data(socket: Socket<HttpConn>, data: Buffer) {
    socket.data._onData(data);
  },
  drain(socket: Socket<HttpConn>) {
    socket.data._flush();
  },
  close(socket: Socket<HttpConn>) {
    socket.data._onClose(socket);
  },
  error(socket: Socket<HttpConn>) {
    socket.data._onClose(socket);
  },
  connectError(socket: Socket<HttpConn>) {
    socket.data._onClose(socket);
  },
};

export class HttpConn {
  private socket: Socket<HttpConn> | null = null;
  private connecting: Promise<Socket<HttpConn>> | null = null;
  private pending: Pending | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private unsent: Buffer | null = null;
  /** Connections opened over this object's life. */
  opened = 0;
  /**
   * Connections the server closed while no request was outstanding: an idle keep-alive timeout,
   * ordinary HTTP and not a drop (the next request reconnects, as a real agent's would).
   */
  idleCloses = 0;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
  ) {}

  async request(
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; timeoutMs: number },
  ): Promise<HttpReply> {
    if (this.pending) throw new Error("HttpConn: one request at a time");
    const socket = await this._connect();
    const body = opts.json === undefined ? "" : JSON.stringify(opts.json);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.hostname}:${this.port}\r\n`;
    if (opts.token) head += `Authorization: Bearer ${opts.token}\r\n`;
    if (body) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    return new Promise<HttpReply>((resolve, reject) => {
      const timer = setTimeout(() => this._fail("timeout"), opts.timeoutMs);
      this.pending = { socket, resolve, reject, timer };
      this.buffer = Buffer.alloc(0);
      this.unsent = Buffer.from(`${head}\r\n${body}`);
      if (this.socket !== socket) this._fail("closed");
      else this._flush();
    });
  }

  close(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.end();
  }

  private _connect(): Promise<Socket<HttpConn>> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= Bun.connect<HttpConn>({
      hostname: this.hostname,
      port: this.port,
      data: this,
      socket: handlers,
    })
      .then((socket) => {
        this.opened++;
        this.socket = socket;
        return socket;
      })
      .catch(() => {
        throw new HttpTransportError("connect");
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  /** Writes what the kernel takes now; the rest goes out on drain. */
  _flush(): void {
    if (!this.unsent || !this.socket) return;
    const written = this.socket.write(this.unsent);
    this.unsent = written >= this.unsent.length ? null : this.unsent.subarray(Math.max(0, written));
  }

  _onClose(socket: Socket<HttpConn>): void {
    if (this.socket !== socket) return; // one we closed ourselves
    this.socket = null;
    if (this.pending?.socket === socket) this._fail("closed");
    else this.idleCloses++;
  }

  _onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.pending) return; // bytes nobody asked for; dropped with the next request
    const headEnd = this.buffer.indexOf(CRLF2);
    if (headEnd < 0) return;
    const head = this.buffer.toString("latin1", 0, headEnd);
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyStart = headEnd + 4;
    let body: string;
    if (lengthMatch) {
      const length = Number(lengthMatch[1]);
      if (this.buffer.length < bodyStart + length) return;
      body = this.buffer.toString("utf8", bodyStart, bodyStart + length);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const decoded = _decodeChunked(this.buffer, bodyStart);
      if (decoded === null) return;
      body = decoded;
    } else {
      body = "";
    }
    const pending = this.pending;
    this.pending = null;
    this.buffer = Buffer.alloc(0);
    clearTimeout(pending.timer);
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    pending.resolve({ status, body });
  }

  private _fail(kind: TransportError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    if (kind === "timeout") this.close();
    pending.reject(new HttpTransportError(kind));
  }
}

/** The body of a complete chunked message starting at `from`, or null while incomplete. */
function _decodeChunked(buf: Buffer, from: number): string | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(buf.toString("latin1", at, lineEnd), 16);
    if (size === 0)
      return buf.indexOf("\r\n", lineEnd + 2) < 0 ? null : Buffer.concat(parts).toString("utf8");
    if (buf.length < lineEnd + 2 + size + 2) return null;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
