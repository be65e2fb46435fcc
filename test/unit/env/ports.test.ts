import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { EnvError } from "../../env/errors.ts";
import { assertPortFree, freePort } from "../../env/ports.ts";

describe("ports", () => {
  it("names the port and its owner when the port is taken", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const error = await assertPortFree(port, "kube-apiserver").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvError);
      expect(error).toMatchObject({ reason: "PortInUse" });
      expect((error as Error).message).toContain(`port ${port} for kube-apiserver is already in use`);
      expect((error as Error).message).not.toContain("\n");
    } finally {
      server.close();
    }
  });

  it("picks ports below the kernel's ephemeral range, which outgoing connections draw from", async () => {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low as number);
    }
  });

  it("hands out a port that can then be bound", async () => {
    const port = await freePort();
    await expect(assertPortFree(port, "git")).resolves.toBe(port);
  });
});
