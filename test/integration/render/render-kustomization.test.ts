import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import type { KubeObject } from "../../../shared/render/kube-object.ts";
import type { KustomizeOverlay } from "../../../shared/render/overlay.ts";
import { renderKustomization } from "../../../shared/render/render-kustomization.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";
import { testEnv } from "../../env/context.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const cm = (name: string, extra = "") =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const deployment = (name: string, image = "podinfo:1.0") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: app, image: ${image} }]
`;

async function render(
  files: Record<string, string>,
  options: {
    path?: string;
    overlay?: KustomizeOverlay;
    maxBytes?: number;
    kubectl?: string;
    origins?: Map<string, string>;
  } = {},
): Promise<KubeObject[]> {
  return renderKustomization({
    files: Object.entries(files).map(([path, body]) => memoryFile(path, body)),
    path: options.path ?? "./",
    overlay: options.overlay ?? {},
    kubectl: options.kubectl ?? testEnv().tools.kubectl,
    workDir: await tempDir("sluice-render-"),
    signal: new AbortController().signal,
    maxBytes: options.maxBytes ?? 8 * 1024 * 1024,
    ...(options.origins ? { origins: options.origins } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<ReconcileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReconcileError);
  return error as ReconcileError;
}

const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe("renderKustomization", () => {
  it("says which file each object came from, without leaving kustomize's annotation on it", async () => {
    const origins = new Map<string, string>();
    const objects = await render(
      {
        "base/kustomization.yaml": "resources: [cm.yaml]\n",
        "base/cm.yaml": cm("shared"),
        "apps/prod/kustomization.yaml": "resources: [../../base, web.yaml]\nnamespace: prod\n",
        "apps/prod/web.yaml": deployment("web"),
      },
      { path: "./apps/prod", origins },
    );
    expect(Object.fromEntries(origins)).toEqual({
      "ConfigMap/prod/shared": "base/cm.yaml",
      "Deployment/prod/web": "apps/prod/web.yaml",
    });
    for (const object of objects) expect(object.metadata.annotations).toBeUndefined();
    // A kustomization that asked for origin annotations keeps them.
    const kept = await render(
      {
        "kept/kustomization.yaml": "resources: [cm.yaml]\nbuildMetadata: [originAnnotations]\n",
        "kept/cm.yaml": cm("kept"),
      },
      { path: "./kept" },
    );
    expect(kept[0]?.metadata.annotations?.["config.kubernetes.io/origin"]).toContain("path: cm.yaml");
  });

  it("generates a kustomization over a plain folder, recursively, as Flux does", async () => {
    const objects = await render(
      {
        "apps/a.yaml": cm("a"),
        "apps/deep/b.yml": `${deployment("b")}---\n${cm("b")}`,
        "apps/values.yaml": "replicaCount: 2\nimage: { tag: x }\n",
        "apps/empty.yaml": "# nothing here\n",
        "apps/README.md": "# docs",
        "apps/bundle/kustomization.yaml": "resources: [c.yaml]\nnamePrefix: bundled-\n",
        "apps/bundle/c.yaml": cm("c"),
        "apps/bundle/unlisted.yaml": cm("unlisted"),
        "other/d.yaml": cm("d"),
      },
      { path: "./apps" },
    );
    expect(names(objects)).toEqual(["ConfigMap/a", "ConfigMap/b", "ConfigMap/bundled-c", "Deployment/b"]);
    expect(await render({ "empty/notes.txt": "x" }, { path: "empty" })).toEqual([]);
  });

  it("builds an existing kustomization whose bases sit in ../ folders of the artifact", async () => {
    const objects = await render(
      {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": deployment("web"),
        "common/shared.yaml": cm("shared"),
        "overlays/prod/kustomization.yml":
          "resources: [../../base, ../../common/shared.yaml]\nnamespace: prod\n",
      },
      { path: "overlays/prod" },
    );
    expect(names(objects)).toEqual(["ConfigMap/shared", "Deployment/web"]);
    expect(objects.every((o) => o.metadata.namespace === "prod")).toBe(true);
  });

  it("applies every overlay field of the Flux spec", async () => {
    const objects = await render(
      {
        "app/kustomization.yaml":
          "resources: [web.yaml, config.yaml, ns.yaml]\nimages:\n  - name: podinfo\n    newTag: '2.0'\n",
        "app/web.yaml": deployment("web"),
        "app/config.yaml": cm("config", "data: { level: info }\n"),
        "app/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: original\n",
      },
      {
        path: "app",
        overlay: {
          targetNamespace: "team",
          namePrefix: "pre-",
          nameSuffix: "-suf",
          patches: [
            {
              patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 3\n",
              target: { kind: "Deployment", labelSelector: "app=web" },
            },
            {
              patch: '[{"op": "add", "path": "/data/extra", "value": "yes"}]',
              target: { kind: "ConfigMap" },
            },
          ],
          images: [{ name: "podinfo", newName: "ghcr.io/stefanprodan/podinfo", newTag: "6.5.0" }],
          commonMetadata: { labels: { team: "a" }, annotations: { owner: "ops" } },
        },
      },
    );
    const byKind = Object.fromEntries(objects.map((o) => [o.kind, o])) as Record<string, KubeObject>;
    const web = byKind.Deployment as KubeObject & {
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
      };
    };
    expect(web.metadata).toMatchObject({
      name: "pre-web-suf",
      namespace: "team",
      labels: { app: "web", team: "a" },
      annotations: { owner: "ops" },
    });
    expect(web.spec.replicas).toBe(3);
    // Flux's image entry replaces the kustomization's own entry for the same name.
    expect(web.spec.template.spec.containers[0]?.image).toBe("ghcr.io/stefanprodan/podinfo:6.5.0");
    // commonMetadata stays off selectors and pod templates.
    expect(web.spec.selector.matchLabels).toEqual({ app: "web" });
    expect(web.spec.template.metadata.labels).toEqual({ app: "web" });
    expect(byKind.ConfigMap?.metadata.name).toBe("pre-config-suf");
    expect(byKind.ConfigMap?.data).toEqual({ level: "info", extra: "yes" });
    // kustomize's namespace transformer renames a Namespace object to the target namespace.
    expect(byKind.Namespace?.metadata.name).toBe("team");
  });

  it("adds components relative to spec.path, skipping missing ones only when asked", async () => {
    const files = {
      "app/kustomization.yaml": "resources: [config.yaml]\n",
      "app/config.yaml": cm("config", "data: { a: '1' }\n"),
      "components/extra/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [more.yaml]\npatches:\n  - patch: |\n      - op: add\n        path: /data/b\n        value: '2'\n    target: { kind: ConfigMap, name: config }\n",
      "components/extra/more.yaml": cm("more"),
    };
    const objects = await render(files, { path: "app", overlay: { components: ["../components/extra"] } });
    expect(names(objects)).toEqual(["ConfigMap/config", "ConfigMap/more"]);
    expect(objects.find((o) => o.metadata.name === "config")?.data).toEqual({ a: "1", b: "2" });
    const missing = { components: ["../components/extra", "../components/absent"] };
    expect(await failure(render(files, { path: "app", overlay: missing }))).toHaveProperty(
      "reason",
      "BuildFailed",
    );
    const tolerated = await render(files, {
      path: "app",
      overlay: { ...missing, ignoreMissingComponents: true },
    });
    expect(names(tolerated)).toEqual(["ConfigMap/config", "ConfigMap/more"]);
  });

  it("refuses remote bases before running kustomize", async () => {
    const remote = await failure(
      render({ "kustomization.yaml": "resources:\n  - https://github.com/org/repo//deploy?ref=main\n" }),
    );
    expect(remote.message).toMatch(
      /refused remote reference 'https:\/\/github.com\/org\/repo\/\/deploy\?ref=main'/,
    );
    const bare = await failure(
      render({ "app/kustomization.yaml": "resources: [github.com/org/repo/deploy]\n" }),
    );
    expect(bare.message).toMatch(
      /'github.com\/org\/repo\/deploy' \(resources in app\/kustomization.yaml\) does not exist in the source artifact/,
    );
  });

  it("refuses references and paths that escape the artifact", async () => {
    const outside = await failure(
      render({ "a/b/kustomization.yaml": "resources: [../../../etc/config.yaml]\n" }, { path: "a/b" }),
    );
    expect(outside.message).toMatch(
      /refused '..\/..\/..\/etc\/config.yaml' .* points outside the source artifact/,
    );
    const patch = await failure(
      render({ "kustomization.yaml": "resources: []\npatches:\n  - path: ../../secret.yaml\n" }),
    );
    expect(patch.message).toMatch(/patches\[\]\.path in kustomization.yaml.*outside/);
    const link = await failure(
      renderKustomization({
        files: [memoryFile("kustomization.yaml", "resources: [up]\n"), memoryFile("up", "..", "symlink")],
        path: "./",
        overlay: {},
        kubectl: testEnv().tools.kubectl,
        workDir: await tempDir("sluice-render-"),
        signal: new AbortController().signal,
        maxBytes: 1024 * 1024,
      }),
    );
    expect(link.reason).toBe("PathEscapesRoot");
    await expect(render({ "a.yaml": cm("a") }, { path: "../../.." })).rejects.toBeInstanceOf(SpecError);
    const missing = await failure(render({ "a.yaml": cm("a") }, { path: "./nope" }));
    expect(missing).toMatchObject({ reason: "ArtifactFailed" });
    expect(missing.message).toMatch(/'.\/nope' does not exist/);
  });

  it("reports malformed YAML with its file and line", async () => {
    const bad = `${cm("bad")}data:\n  a: [\n  b: c\n`;
    const generated = await failure(
      render({ "apps/good.yaml": cm("good"), "apps/bad.yaml": bad }, { path: "apps" }),
    );
    expect(generated.message).toMatch(/apps\/bad.yaml, line \d+/);
    const built = await failure(
      render({ "app/kustomization.yaml": "resources: [bad.yaml]\n", "app/bad.yaml": bad }, { path: "app" }),
    );
    expect(built.message).toMatch(/kustomize build failed: .*line \d+.*bad.yaml/s);
  });

  it("refuses duplicate objects, naming them", async () => {
    const same = await failure(render({ "a.yaml": cm("dup"), "b.yaml": cm("dup") }));
    expect(same.message).toMatch(/ConfigMap.*dup/);
    const versions = await failure(
      render({ "a.yaml": deployment("web"), "b.yaml": deployment("web").replace("apps/v1", "apps/v1beta2") }),
    );
    expect(versions.message).toMatch(/contains Deployment\/web more than once/);
  });

  it("refuses objects without kind or name", async () => {
    const generated = await failure(render({ "app/x.yaml": "apiVersion: v1\nmetadata:\n  name: nokind\n" }));
    expect(generated.message).toMatch(/app\/x.yaml: object 'nokind' has no kind/);
    const built = await failure(
      render({
        "kustomization.yaml": "resources: [x.yaml]\n",
        "x.yaml": "apiVersion: v1\nkind: ConfigMap\n",
      }),
    );
    expect(built.message).toMatch(/x.yaml/);
  });

  it("refuses an alias bomb instead of letting kustomize expand it", async () => {
    const levels = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const bomb = levels
      .map(
        (l, i) =>
          `${l}: &${l} [${Array(9)
            .fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`)
            .join(",")}]`,
      )
      .join("\n");
    const error = await failure(
      render({ "kustomization.yaml": "resources: [bomb.yaml]\n", "bomb.yaml": `${cm("bomb")}${bomb}\n` }),
    );
    expect(error.message).toMatch(/refused bomb.yaml: its YAML aliases expand beyond 100 nodes/);
  });

  it("caps the output size and names a missing kubectl", async () => {
    const big = { "a.yaml": cm("big", `data:\n  x: "${"x".repeat(4096)}"\n`) };
    expect(await failure(render(big, { maxBytes: 1024 }))).toHaveProperty("reason", "SizeLimitExceeded");
    const missing = await failure(render(big, { kubectl: "/nonexistent/kubectl" }));
    expect(missing.message).toMatch(/cannot run kubectl at '\/nonexistent\/kubectl' \(not found\)/);
  });
});
