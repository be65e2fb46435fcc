import { describe, expect, it } from "vitest";
import { applyObjects } from "../../../shared/apply/apply-objects.ts";
import { inventoryOf } from "../../../shared/apply/inventory.ts";
import { pruneObjects } from "../../../shared/apply/prune.ts";
import { client, configMap, live, namespace, namespaceName, signal } from "./apply-harness.ts";

describe("pruneObjects", () => {
  it("deletes what left the set, namespaced objects before their namespace, keeping annotated ones", async () => {
    const ns = namespaceName();
    const keep = configMap(ns, "keep", { k: "1" });
    const gone = configMap(ns, "gone", { k: "1" });
    const vanished = configMap(ns, "vanished", { k: "1" });
    const protectedMap = configMap(
      ns,
      "protected",
      { k: "1" },
      { "kustomize.toolkit.fluxcd.io/prune": "disabled" },
    );
    const before = [namespace(ns), keep, gone, vanished, protectedMap];
    await applyObjects(client(), before, { force: false, signal });
    // Someone deleted it by hand already: prune must not fail on it.
    await client().delete(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "vanished" },
      { signal },
    );

    const c = client();
    const entries = await pruneObjects(c, inventoryOf(before), inventoryOf([keep]), { signal });
    expect(entries.map((e) => `${e.subject} ${e.action}`)).toEqual([
      `ConfigMap/${ns}/protected skipped`,
      `ConfigMap/${ns}/gone deleted`,
      `Namespace/${ns} deleted`,
    ]);
    expect(c.counts.deletes).toBe(2);
    expect(await live(gone)).toBeUndefined();
    expect(await live(protectedMap)).toBeDefined();

    // Nothing left to prune: a second run deletes nothing.
    const again = client();
    const noop = await pruneObjects(again, inventoryOf([keep, gone]), inventoryOf([keep]), { signal });
    expect(noop).toEqual([]);
    expect(again.counts.deletes).toBe(0);
  });

  it("deletes only objects carrying the owner labels", async () => {
    const ns = namespaceName();
    const owner = {
      "kustomize.toolkit.fluxcd.io/name": "apps",
      "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    };
    const owned = {
      ...configMap(ns, "owned", { k: "1" }),
      metadata: { name: "owned", namespace: ns, labels: owner },
    };
    const foreign = configMap(ns, "foreign", { k: "1" });
    await applyObjects(client(), [namespace(ns), owned, foreign], { force: false, signal });
    const entries = await pruneObjects(client(), inventoryOf([owned, foreign]), [], {
      signal,
      ownerLabels: owner,
    });
    expect(entries.map((e) => `${e.subject} ${e.action}`)).toEqual([
      `ConfigMap/${ns}/owned deleted`,
      `ConfigMap/${ns}/foreign skipped`,
    ]);
    expect(await live(foreign)).toBeDefined();
  });
});
