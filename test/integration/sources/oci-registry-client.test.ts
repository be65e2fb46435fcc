import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { RegistryClient } from "../../../shared/sources/oci/registry-client.ts";
import { TransferMeter } from "../../../shared/sources/transfer-meter.ts";
import { testEnv } from "../../env/context.ts";
import { pushFluxArtifact, type RegistryInfo } from "../../env/registry.ts";

const env = testEnv();

function client(registry: RegistryInfo) {
  const meter = new TransferMeter();
  const registryClient = new RegistryClient({
    host: registry.host,
    plainHttp: true,
    credentials: { username: registry.username, password: registry.password },
    maxBytes: 1 << 20,
    meter,
  });
  return { client: registryClient, meter };
}

describe("RegistryClient", () => {
  it("lists every tag across Link-paginated pages", async () => {
    // distribution 2.8 ignores `n` on tag lists; a small server pages the way newer registries do.
    const pages: Record<string, { tags: string[]; next?: string }> = {
      "": { tags: ["a", "b"], next: "b" },
      b: { tags: ["c", "d"], next: "d" },
      d: { tags: ["e"] },
    };
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const page = pages[url.searchParams.get("last") ?? ""];
      if (url.pathname !== "/v2/team/app/tags/list" || url.searchParams.get("n") !== "2" || !page) {
        res.writeHead(404).end();
        return;
      }
      const link = page.next ? { link: `</v2/team/app/tags/list?n=2&last=${page.next}>; rel="next"` } : {};
      res.writeHead(200, { "content-type": "application/json", ...link });
      res.end(JSON.stringify({ name: "team/app", tags: page.tags }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const meter = new TransferMeter();
    const paged = new RegistryClient({
      host: `127.0.0.1:${port}`,
      plainHttp: true,
      maxBytes: 1 << 20,
      meter,
      tagPageSize: 2,
    });
    expect(await paged.listTags("team/app")).toEqual(["a", "b", "c", "d", "e"]);
    expect(meter.requests).toBe(3);
  });

  it("keeps a Bearer token for the client's life: the second request costs one round trip", async () => {
    const registry = env.registryToken;
    const repository = `client/token-${process.pid}`;
    const pushed = await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "x.yaml": "x\n" } });
    const { client: tokenClient, meter } = client(registry);
    expect(await tokenClient.resolve(repository, "v1")).toBe(pushed.digest);
    expect(meter.requests).toBe(3); // anonymous HEAD, token, HEAD with the token
    meter.reset();
    const manifest = await tokenClient.getManifest(repository, "v1");
    expect(manifest).toMatchObject({ digest: pushed.digest, manifestDigest: pushed.digest });
    expect(meter.requests).toBe(1);
    const layer = manifest.manifest.layers[0];
    if (!layer) throw new Error("no layer");
    expect((await tokenClient.getBlob(repository, layer.digest)).byteLength).toBe(layer.size);
    expect(meter.requests).toBe(2);
  });
});
