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

  it("hands out a port that can then be bound", async () => {
    const port = await freePort();
    await expect(assertPortFree(port, "git")).resolves.toBe(port);
  });
});
