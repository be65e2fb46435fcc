import { describe, expect, it } from "vitest";
import type { ObjectView } from "../../../shared/cli/api-client.ts";
import { countStats, formatStorage, renderStats } from "../../../shared/cli/commands/stats.ts";
import { KINDS } from "../../../shared/cli/kinds.ts";
import { objectView } from "../../helpers/object-view.ts";

function view(
  kind: string,
  name: string,
  options: { ready?: string; suspended?: boolean; size?: number } = {},
): ObjectView {
  return objectView(kind, name, {
    suspended: options.suspended === true,
    status: {
      ...(options.size === undefined ? {} : { artifact: { revision: "main@sha1:abc", size: options.size } }),
      ...(options.ready === undefined ? {} : { conditions: [{ type: "Ready", status: options.ready }] }),
    },
  });
}

describe("sluice stats", () => {
  it("counts running (not suspended), failing (Ready=False) and suspended per kind, as flux stats does", () => {
    const stats = countStats([
      view("GitRepository", "a", { ready: "True", size: 1024 }),
      view("GitRepository", "b", { ready: "False", size: 512 }),
      view("GitRepository", "c", { ready: "False", suspended: true, size: 512 }),
      view("Kustomization", "apps", { ready: "True" }),
      view("Kustomization", "infra"),
      view("Kustomization", "old", { ready: "True", suspended: true }),
      view("Receiver", "push", { ready: "False" }),
    ]);
    expect(stats.map((s) => s.kind)).toEqual(KINDS.map((k) => k.kind));
    const of = (kind: string) => stats.find((s) => s.kind === kind);
    // A failing object is still running; a suspended one is counted as failing when its Ready says so.
    expect(of("GitRepository")).toEqual({
      kind: "GitRepository",
      total: 3,
      running: 2,
      failing: 2,
      suspended: 1,
      storageBytes: 2048,
    });
    expect(of("Kustomization")).toEqual({
      kind: "Kustomization",
      total: 3,
      running: 2,
      failing: 0,
      suspended: 1,
      storageBytes: null,
    });
    expect(of("Receiver")).toMatchObject({ running: 1, failing: 1, suspended: 0, storageBytes: null });
    expect(of("Bucket")).toEqual({
      kind: "Bucket",
      total: 0,
      running: 0,
      failing: 0,
      suspended: 0,
      storageBytes: 0,
    });
  });

  it("prints storage in binary units, and - where there is none", () => {
    expect(formatStorage(null)).toBe("-");
    expect(formatStorage(0)).toBe("-");
    expect(formatStorage(512)).toBe("512 B");
    expect(formatStorage(1536)).toBe("1.5 KiB");
    expect(formatStorage(20 * 1024 * 1024)).toBe("20 MiB");
    expect(formatStorage(3.25 * 1024 ** 3)).toBe("3.3 GiB");
  });

  it("renders one row per kind under Flux's headers", () => {
    const table = renderStats(
      countStats([view("GitRepository", "a", { ready: "True", size: 2048 })], KINDS.slice(0, 1)),
    );
    expect(table).toBe(
      [
        "RECONCILERS     RUNNING   FAILING   SUSPENDED   STORAGE",
        "GitRepository   1         0         0           2 KiB",
        "",
      ].join("\n"),
    );
  });
});
