import { describe, expect, it } from "vitest";
import { locateTools } from "../../shared/runtime/tools.ts";

describe("locateTools", () => {
  it("takes SLUICE_KUBECTL and SLUICE_HELM when both are set, without unpacking anything", async () => {
    const tools = await locateTools({
      cacheDir: "/nonexistent-cache",
      env: { SLUICE_KUBECTL: "/usr/local/bin/kubectl", SLUICE_HELM: "/usr/local/bin/helm" },
    });
    expect(tools).toEqual({ kubectl: "/usr/local/bin/kubectl", helm: "/usr/local/bin/helm" });
  });
});
