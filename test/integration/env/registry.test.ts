import { describe, expect, it } from "vitest";
import { testEnv } from "../../env/context.ts";
import { pushImage } from "../../env/registry.ts";

describe("distribution registry", () => {
  const { registry } = testEnv();
  const auth = {
    authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}`,
  };

  it("lists the tags of a pushed image and serves its manifest by digest", async () => {
    const pushed = await pushImage({
      registry,
      repository: "team/podinfo",
      tags: ["6.5.0", "6.5.1", "latest"],
    });
    const tags = await fetch(`${registry.url}/v2/team/podinfo/tags/list`, { headers: auth });
    expect(tags.status).toBe(200);
    expect(((await tags.json()) as { tags: string[] }).tags.sort()).toEqual(["6.5.0", "6.5.1", "latest"]);

    const manifest = await fetch(`${registry.url}/v2/team/podinfo/manifests/6.5.1`, {
      headers: { ...auth, accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(manifest.headers.get("docker-content-digest")).toBe(pushed.digest);
  });

  it("refuses anonymous and wrong-password requests", async () => {
    expect((await fetch(`${registry.url}/v2/team/podinfo/tags/list`)).status).toBe(401);
    const wrong = { authorization: `Basic ${Buffer.from(`${registry.username}:nope`).toString("base64")}` };
    expect((await fetch(`${registry.url}/v2/team/podinfo/tags/list`, { headers: wrong })).status).toBe(401);
  });
});
