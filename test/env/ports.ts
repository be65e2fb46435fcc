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

/** A loopback port nobody listens on right now, chosen by the kernel. */
export function freePort(): Promise<number> {
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
