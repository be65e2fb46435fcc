import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { EnvError } from "./errors.ts";

function listen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/** The kernel's range for ephemeral ports: the local ports of outgoing connections, and of bind(0). */
function ephemeralRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low as number, high as number];
  } catch {
    // Not Linux: fall back to the IANA dynamic range, which other systems use.
  }
  return [49152, 65535];
}

const LOWEST_PORT = 10_000;

/**
 * A loopback port nobody listens on right now. It is picked below the ephemeral range: a port
 * the kernel chose there is free only until the server binds it, and in between any outgoing
 * connection (a server starting up talks to another) may take it as its local port, which
 * failed a run with "address already in use". Below the range only another listener can.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  if (low - LOWEST_PORT >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        return await listen(randomInt(LOWEST_PORT, low));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      }
    }
  }
  return listen(0);
}

/** Fails with one clear line when a fixed port is taken, instead of a server's own stack trace. */
export async function assertPortFree(port: number, owner: string): Promise<number> {
  try {
    return await listen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new EnvError(
        "PortInUse",
        `port ${port} for ${owner} is already in use on 127.0.0.1; stop whatever listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another SLUICE_TEST_PORT_BASE`,
      );
    }
    throw error;
  }
}

/**
 * Ports for the servers: fixed and consecutive from SLUICE_TEST_PORT_BASE when it is set (handy
 * for a long-lived dev environment), otherwise free ones picked by the kernel.
 */
export async function allocatePorts<const N extends string>(names: readonly N[]): Promise<Record<N, number>> {
  const base = Number(process.env.SLUICE_TEST_PORT_BASE ?? 0);
  const ports = {} as Record<N, number>;
  for (const [index, name] of names.entries()) {
    ports[name] = base > 0 ? await assertPortFree(base + index, name) : await freePort();
  }
  return ports;
}
