import { describe, expect, it } from "vitest";
import { filesForRender } from "../../../shared/render/needed-files.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";

const tree = (extra: Record<string, string> = {}) =>
  Object.entries({
    "apps/a/deploy.yaml": "kind: ConfigMap",
    "apps/b/deploy.yaml": "kind: ConfigMap",
    "base/cm.yaml": "kind: ConfigMap",
    ...extra,
  }).map(([path, body]) => memoryFile(path, body));
const paths = (files: readonly { path: string }[]) => files.map((f) => f.path).sort();

describe("filesForRender", () => {
  it("writes only the folder when nothing in it can reach outside", async () => {
    expect(paths(await filesForRender(tree(), "apps/a", {}))).toEqual(["apps/a/deploy.yaml"]);
    const own = tree({ "apps/a/kustomization.yaml": "resources: [deploy.yaml]\n" });
    expect(paths(await filesForRender(own, "apps/a", {}))).toEqual([
      "apps/a/deploy.yaml",
      "apps/a/kustomization.yaml",
    ]);
  });

  it("writes the whole artifact when a kustomization, a component or a symlink may step outside", async () => {
    const all = 4;
    const up = tree({ "apps/a/kustomization.yaml": "resources: [../../base]\n" });
    expect(await filesForRender(up, "apps/a", {})).toHaveLength(all);
    expect(await filesForRender(tree(), "apps/a", { components: ["../../components/x"] })).toHaveLength(3);
    const linked = [...tree(), memoryFile("apps/a/shared", "../../base", "symlink")];
    expect(await filesForRender(linked, "apps/a", {})).toHaveLength(all);
    // The root, or a folder with nothing in it, is the whole artifact.
    expect(await filesForRender(tree(), "", {})).toHaveLength(3);
    expect(await filesForRender(tree(), "missing", {})).toHaveLength(3);
  });
});
