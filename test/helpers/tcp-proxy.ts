import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxyOptions {
  /** Where connections are forwarded, e.g. the test API server's loopback port. */
  readonly target: { readonly host: string; readonly port: number };
}

/**
 * How an outage looks to clients. `reset`: connections are still accepted but reset at once, as
 * a load balancer in front of a dead server does. `refuse`: nothing listens, so connects fail
 * with ECONNREFUSED, as when the server process is gone.
 */
export type OutageMode = "reset" | "refuse";

export interface TcpProxy {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Bytes forwarded from clients to the target since the proxy started. */
  readonly bytesUp: number;
  /** Whether the proxy is cut (by `cut` or an armed `cutAfter`). */
  readonly isCut: boolean;
  /** Resets every open connection and keeps new ones from getting through. */
  cut(mode?: OutageMode): Promise<void>;
  /**
   * Arms a cut that happens once `bytes` more client-to-target bytes have been forwarded (a
   * chunk that would go past that is dropped, not split), so an outage can land in the middle of
   * a run rather than before it starts. TLS passes through untouched, so bytes
   * (not requests) are what a TCP proxy can count.
   */
  cutAfter(bytes: number, mode?: OutageMode): void;
  /** Forwards again (listening on the same port after a `refuse` outage). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP forwarder on a free loopback port whose link to the target can be cut and restored. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let bytesUp = 0;
  let state: "open" | OutageMode = "open";
  let armed: { remaining: number; mode: OutageMode } | undefined;

  const track = (socket: Socket) => {
    sockets.add(socket);
    // A reset is the point of this proxy: its errors are expected, not failures of the test.
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  };

  const resetAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (state !== "open") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: options.target.host, port: options.target.port });
    track(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once("close", closeBoth);
    upstream.once("close", closeBoth);
    client.on("data", (chunk: Buffer) => {
      if (armed && chunk.length > armed.remaining) {
        void cut(armed.mode);
        return;
      }
      bytesUp += chunk.length;
      if (!upstream.write(chunk)) client.pause();
      if (armed) {
        armed.remaining -= chunk.length;
        if (armed.remaining === 0) void cut(armed.mode);
      }
    });
    upstream.on("drain", () => client.resume());
    upstream.on("data", (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  };

  const listen = async (wanted: number) => {
    const next = createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(wanted, "127.0.0.1", () => {
        next.off("error", reject);
        resolve();
      });
    });
    server = next;
    port = (next.address() as AddressInfo).port;
  };

  const stopListening = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  async function cut(mode: OutageMode = "reset"): Promise<void> {
    armed = undefined;
    state = mode;
    resetAll();
    if (mode === "refuse") await stopListening();
  }

  await listen(0);
  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    get bytesUp() {
      return bytesUp;
    },
    get isCut() {
      return state !== "open";
    },
    cut,
    cutAfter(bytes, mode = "reset") {
      if (!Number.isInteger(bytes) || bytes < 1)
        throw new Error(`cutAfter needs a positive byte count, got ${bytes}`);
      armed = { remaining: bytes, mode };
    },
    async restore() {
      armed = undefined;
      if (!server) await listen(port);
      state = "open";
    },
    async close() {
      armed = undefined;
      state = "reset";
      resetAll();
      await stopListening();
    },
  };
}
