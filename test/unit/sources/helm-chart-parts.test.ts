import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { shortRevision } from "../../../shared/sources/helm/chart-from-source.ts";
import { chartFromTree } from "../../../shared/sources/helm/chart-from-tree.ts";
import { mergeValues, mergeValuesFiles } from "../../../shared/sources/helm/chart-values.ts";
import { withBuildMetadata } from "../../../shared/sources/helm/chart-version.ts";
import { parseHelmIndex } from "../../../shared/sources/helm/helm-index.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";
import {
  highestMatching,
  latestVersions,
  parseConstraint,
} from "../../../shared/sources/version-constraint.ts";

const VERSIONS = ["0.1.0", "0.2.0", "v0.2.5", "1.0.0-rc.1", "1.0.0", "1.1.0-beta.1", "2.0.0", "not-semver"];

function pick(range: string | undefined): string | undefined {
  return highestMatching(VERSIONS, parseConstraint(range));
}

describe("chart version constraints (Helm's rules)", () => {
  it("picks the highest match; * and an empty version mean the latest stable", () => {
    expect(pick(undefined)).toBe("2.0.0");
    expect(pick("*")).toBe("2.0.0");
    expect(pick("~0.2")).toBe("v0.2.5");
    expect(pick("0.1.x")).toBe("0.1.0");
    expect(pick("^1")).toBe("1.0.0");
    expect(pick(">=0.1.0, <1.0.0")).toBe("v0.2.5");
    expect(pick("0.1.0 || 2.0.0")).toBe("2.0.0");
    expect(pick("1.0.0 - 1.5.0")).toBe("1.0.0");
    expect(pick("9.x")).toBeUndefined();
  });

  it("admits prereleases only when the constraint names one", () => {
    expect(pick("1.x")).toBe("1.0.0");
    expect(pick("1.0.0-rc.1")).toBe("1.0.0-rc.1");
    expect(pick(">=1.0.1-0 <2.0.0")).toBe("1.1.0-beta.1");
  });

  it("refuses a constraint that is not semver, naming the field", () => {
    expect(() => parseConstraint("latest!")).toThrow(SpecError);
    expect(() => parseConstraint("latest!")).toThrow(/spec\.version: 'latest!' is not a semver/);
  });

  it("lists the newest versions for messages and replaces build metadata", () => {
    expect(latestVersions(VERSIONS, 3)).toEqual(["2.0.0", "1.1.0-beta.1", "1.0.0"]);
    expect(withBuildMetadata("6.0.3", "1")).toBe("6.0.3+1");
    expect(withBuildMetadata("6.0.3+old", "4e5cbb7b97d0.2")).toBe("6.0.3+4e5cbb7b97d0.2");
    expect(shortRevision("main@sha1:4e5cbb7b97d00a8039b8810b90b922f4256fd3bd")).toBe("4e5cbb7b97d0");
    expect(shortRevision("sha256:83a3c595163a6ff0333e0154c7")).toBe("83a3c595163a");
  });
});

describe("Helm repository index", () => {
  it("reads entries, dropping versions Helm would skip", () => {
    const index = parseHelmIndex(
      Buffer.from(
        "apiVersion: v1\nentries:\n  hello:\n    - {version: 0.1.0, urls: [hello-0.1.0.tgz], digest: abc}\n    - {name: broken}\n",
      ),
      "test index",
    );
    expect(index.entries.get("hello")).toEqual([
      { name: "hello", version: "0.1.0", urls: ["hello-0.1.0.tgz"], digest: "abc" },
    ]);
  });

  it.each([
    ["not YAML", "entries: [unclosed", /YAML parse error at line 1/],
    ["no apiVersion", "entries: {}\n", /no apiVersion specified/],
    ["entries not a map", "apiVersion: v1\nentries: [a]\n", /entries is not a map/],
    ["a scalar", "just text", /not a map/],
  ])("refuses an index that is %s as IndexationFailed", (_, text, message) => {
    let error: unknown;
    try {
      parseHelmIndex(Buffer.from(text), "http://repo/index.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReconcileError);
    expect(error).toMatchObject({ reason: "IndexationFailed", message });
    expect((error as Error).message).toContain("http://repo/index.yaml is not a valid Helm repository index");
  });
});

describe("values files", () => {
  it("deep-merges maps and replaces lists and scalars, as Helm does", () => {
    expect(
      mergeValues(
        { image: { repository: "a", tag: "1" }, ports: [80, 443], replicas: 1 },
        { image: { tag: "2" }, ports: [8080], replicas: null },
      ),
    ).toEqual({ image: { repository: "a", tag: "2" }, ports: [8080], replicas: null });
  });

  const files = [
    memoryFile("values.yaml", "image:\n  repository: a\n  tag: '1'\n"),
    memoryFile("values-prod.yaml", "image:\n  tag: '2'\nreplicas: 3\n"),
    memoryFile("broken.yaml", "a: [\n"),
  ];

  it("merges in order, later files overriding, and reports the files used", async () => {
    const merged = await mergeValuesFiles({
      files,
      paths: ["values.yaml", "./values-prod.yaml", "missing.yaml"],
      ignoreMissing: true,
      where: "chart 'hello'",
    });
    expect(merged.used).toEqual(["values.yaml", "./values-prod.yaml"]);
    expect(merged.yaml).toBe('image:\n  repository: a\n  tag: "2"\nreplicas: 3\n');
  });

  it("fails on a missing or broken file with ValuesFilesError", async () => {
    const run = (paths: string[]) =>
      mergeValuesFiles({ files, paths, ignoreMissing: false, where: "chart 'hello'" });
    await expect(run(["values.yaml", "missing.yaml"])).rejects.toMatchObject({
      reason: "ValuesFilesError",
      message: expect.stringMatching(/'missing.yaml' not found in chart 'hello'.*ignoreMissingValuesFiles/),
    });
    await expect(run(["broken.yaml"])).rejects.toMatchObject({
      reason: "ValuesFilesError",
      message: expect.stringContaining("is not valid YAML"),
    });
    await expect(run(["../outside.yaml"])).rejects.toMatchObject({ reason: "PathEscapesRoot" });
  });
});

describe("a chart folder of a source tree", () => {
  const chartYaml =
    "apiVersion: v2\nname: app\nversion: 1.10\ndependencies:\n  - name: redis\n    version: 1.x\n  - name: common\n    version: 2.x\n";

  it("takes vendored dependencies (folder or .tgz) and keeps the version as written", async () => {
    const chart = await chartFromTree(
      [
        memoryFile("deploy/app/Chart.yaml", chartYaml),
        memoryFile("deploy/app/charts/redis-1.2.0.tgz", "packed"),
        memoryFile("deploy/app/charts/common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 2.0.0\n"),
        memoryFile("deploy/other/Chart.yaml", "name: other\nversion: 0.1.0\n"),
      ],
      "./deploy/app/",
      "the test source",
    );
    expect(chart.name).toBe("app");
    expect(chart.version).toBe("1.10");
    expect(chart.files.map((f) => f.path).sort()).toEqual([
      "Chart.yaml",
      "charts/common/Chart.yaml",
      "charts/redis-1.2.0.tgz",
    ]);
  });

  it("names the dependencies that are missing", async () => {
    const tree = [memoryFile("app/Chart.yaml", chartYaml), memoryFile("app/charts/redis-1.2.0.tgz", "x")];
    await expect(chartFromTree(tree, "app", "the test source")).rejects.toMatchObject({
      reason: "DependencyBuildError",
      message: expect.stringContaining("not in its charts/ folder: common;"),
    });
  });
});
