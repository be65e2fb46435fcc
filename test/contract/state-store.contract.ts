import { describe, expect, it } from "vitest";
import type { Clock } from "../../shared/ports/clock.ts";
import { isPortError, type PortErrorReason } from "../../shared/ports/errors.ts";
import type { ObjectKey } from "../../shared/ports/object-key.ts";
import type { PutObjectInput, StateStore } from "../../shared/ports/state.ts";

export interface StateStoreFixture {
  readonly store: StateStore;
  /**
   * Another store on the same backing data with its own connection or client, which runs
   * truly in parallel with the first (a thread of its own for SQLite): the racers.
   */
  readonly other: () => Promise<StateStore>;
}

/** Builds a fresh, empty store for one test; every store it makes reads time from `clock`. */
export type MakeStateStore = (context: { readonly clock: Clock }) => Promise<StateStoreFixture>;

const T0 = 1_750_000_000_000;
const RACERS = 8;

const repo = (name: string, namespace = "flux-system"): ObjectKey => ({
  kind: "GitRepository",
  namespace,
  name,
});

function gitRepository(key: ObjectKey, spec: Record<string, unknown> = {}): PutObjectInput {
  return {
    key,
    apiVersion: "source.toolkit.fluxcd.io/v1",
    metadata: { labels: { app: key.name } },
    spec: { interval: "1m", url: `https://example.com/${key.name}.git`, ...spec },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but it resolved");
}

async function expectPortError(promise: Promise<unknown>, reason: PortErrorReason): Promise<void> {
  const error = await rejection(promise);
  expect(isPortError(error, reason), `expected a ${reason} PortError, got ${String(error)}`).toBe(true);
}

const byKey = (a: ObjectKey, b: ObjectKey) =>
  `${a.kind}/${a.namespace}/${a.name}` < `${b.kind}/${b.namespace}/${b.name}` ? -1 : 1;

/** What every StateStore must do; the port's doc comments are the specification. */
export function stateStoreContract(name: string, make: MakeStateStore): void {
  describe(`StateStore contract: ${name}`, () => {
    async function setup() {
      let now = T0;
      const fixture = await make({ clock: { now: () => now } });
      return { ...fixture, setNow: (t: number) => (now = t) };
    }

    it("registers a new object at generation 1, due at once, without status", async () => {
      const { store } = await setup();
      const key = repo("podinfo");
      const put = await store.putObject(gitRepository(key, { ref: { branch: "main" } }));
      expect(put).toEqual({
        key,
        apiVersion: "source.toolkit.fluxcd.io/v1",
        metadata: { labels: { app: "podinfo" } },
        spec: { interval: "1m", url: "https://example.com/podinfo.git", ref: { branch: "main" } },
        generation: 1,
        status: undefined,
        statusVersion: put.statusVersion,
        dueAt: T0,
      });
      expect(await store.getObject(key)).toEqual(put);
      expect(await store.listDue(T0, 10)).toEqual([key]);
    });

    it("knows nothing of an object never registered", async () => {
      const { store } = await setup();
      expect(await store.getObject(repo("ghost"))).toBeUndefined();
      expect(await store.deleteObject(repo("ghost"))).toBe(false);
      expect(await store.listObjects()).toEqual([]);
      expect(await store.listDue(T0 + 1e9, 10)).toEqual([]);
    });

    it("keeps the generation when the same spec comes back in another key order", async () => {
      const { store } = await setup();
      const key = repo("podinfo");
      await store.putObject({
        ...gitRepository(key),
        spec: { url: "https://example.com/a.git", ref: { branch: "main", semver: "1.x" }, interval: "1m" },
      });
      const again = await store.putObject({
        ...gitRepository(key),
        spec: { interval: "1m", ref: { semver: "1.x", branch: "main" }, url: "https://example.com/a.git" },
      });
      expect(again.generation).toBe(1);
    });

    it("bumps the generation when the spec changes, and only then", async () => {
      const { store } = await setup();
      const key = repo("podinfo");
      await store.putObject(gitRepository(key, { ignore: ["a", "b"] }));
      const changed = await store.putObject(gitRepository(key, { ignore: ["b", "a"] }));
      expect(changed.generation).toBe(2);
      expect(changed.spec.ignore).toEqual(["b", "a"]);

      const relabelled = await store.putObject({
        ...gitRepository(key, { ignore: ["b", "a"] }),
        apiVersion: "source.toolkit.fluxcd.io/v1beta2",
        metadata: { labels: { app: "other" }, annotations: { note: "x" } },
      });
      expect(relabelled.generation).toBe(2);
      expect(relabelled.apiVersion).toBe("source.toolkit.fluxcd.io/v1beta2");
      expect(relabelled.metadata).toEqual({ labels: { app: "other" }, annotations: { note: "x" } });
      expect(await store.getObject(key)).toEqual(relabelled);

      const nested = await store.putObject(gitRepository(key, { ignore: ["b", "a"], ref: { tag: "v1" } }));
      expect(nested.generation).toBe(3);
    });

    it("keeps status and schedule when the spec changes", async () => {
      const { store, setNow } = await setup();
      const key = repo("podinfo");
      const created = await store.putObject(gitRepository(key));
      const version = await store.writeStatus(key, { observedGeneration: 1 }, created.statusVersion);
      await store.setDueAt(key, T0 + 60_000);
      setNow(T0 + 5_000);
      const updated = await store.putObject(gitRepository(key, { interval: "5m" }));
      expect(updated).toMatchObject({
        generation: 2,
        status: { observedGeneration: 1 },
        statusVersion: version,
        dueAt: T0 + 60_000,
      });

      await store.setDueAt(key, undefined);
      const unscheduled = await store.putObject(gitRepository(key, { interval: "10m" }));
      expect(unscheduled.dueAt).toBeUndefined();
    });

    it("lists objects, filtered by kind and namespace", async () => {
      const { store } = await setup();
      const a = repo("a");
      const b = repo("b", "apps");
      const c: ObjectKey = { kind: "Kustomization", namespace: "flux-system", name: "c" };
      for (const key of [a, b, c]) await store.putObject(gitRepository(key));
      await store.writeStatus(b, { ready: true }, (await store.getObject(b))?.statusVersion ?? -1);
      const keys = async (filter?: Parameters<StateStore["listObjects"]>[0]) =>
        (await store.listObjects(filter)).map((o) => o.key).sort(byKey);

      expect(await keys()).toEqual([a, b, c].sort(byKey));
      expect(await keys({ kind: "GitRepository" })).toEqual([a, b].sort(byKey));
      expect(await keys({ namespace: "flux-system" })).toEqual([a, c].sort(byKey));
      expect(await keys({ kind: "Kustomization", namespace: "flux-system" })).toEqual([c]);
      expect(await keys({ kind: "HelmRelease" })).toEqual([]);
      const listed = await store.listObjects({ namespace: "apps" });
      expect(listed).toEqual([await store.getObject(b)]);
      expect(listed[0]?.status).toEqual({ ready: true });
    });

    it("pages through many objects and due times", async () => {
      const { store } = await setup();
      const keys = Array.from({ length: 23 }, (_, i) =>
        i % 3 === 0 ? repo(`r${i}`, "team-a") : repo(`r${i}`, "team-b"),
      );
      for (const key of keys) await store.putObject(gitRepository(key));
      // Due in the reverse order of registration, one millisecond apart.
      for (const [i, key] of keys.entries()) await store.setDueAt(key, T0 + 100 - i);
      const earliestFirst = [...keys].reverse();

      expect((await store.listObjects()).map((o) => o.key).sort(byKey)).toEqual([...keys].sort(byKey));
      expect(await store.listObjects({ namespace: "team-a" })).toHaveLength(8);
      expect(await store.listDue(T0 + 100, 100)).toEqual(earliestFirst);
      expect(await store.listDue(T0 + 100, 7)).toEqual(earliestFirst.slice(0, 7));
      expect(await store.listDue(T0 + 90, 100)).toEqual(earliestFirst.slice(0, 13));
    });

    it("deletes an object with its status, lease and schedule", async () => {
      const { store, setNow } = await setup();
      const key = repo("podinfo");
      const created = await store.putObject(gitRepository(key));
      await store.writeStatus(key, { ready: true }, created.statusVersion);
      expect(await store.acquireLease({ key, holder: "a", now: T0, ttlMs: 600_000 })).toBeDefined();
      await store.setDueAt(key, T0 + 10);

      expect(await store.deleteObject(key)).toBe(true);
      expect(await store.getObject(key)).toBeUndefined();
      expect(await store.listObjects()).toEqual([]);
      expect(await store.listDue(T0 + 1e9, 10)).toEqual([]);
      expect(await store.deleteObject(key)).toBe(false);
      await expectPortError(store.acquireLease({ key, holder: "b", now: T0, ttlMs: 1000 }), "NotFound");

      setNow(T0 + 1_000);
      const again = await store.putObject(gitRepository(key));
      expect(again).toMatchObject({ generation: 1, status: undefined, dueAt: T0 + 1_000 });
      expect(await store.acquireLease({ key, holder: "b", now: T0 + 1, ttlMs: 1000 })).toEqual({
        key,
        holder: "b",
        expiresAt: T0 + 1001,
      });
    });

    it("finds what refers to an object, and keeps that up to date through changes and deletion", async () => {
      const { store } = await setup();
      const source = repo("fleet");
      const other = repo("other");
      const ks = (name: string, spec: Record<string, unknown>): PutObjectInput => ({
        key: { kind: "Kustomization", namespace: "apps", name },
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        metadata: {},
        spec: { interval: "5m", path: "./", ...spec },
      });
      const sourceRef = { kind: "GitRepository", name: "fleet", namespace: "flux-system" };
      await store.putObject(gitRepository(source));
      await store.putObject(ks("infra", { sourceRef }));
      await store.putObject(ks("web", { sourceRef, dependsOn: [{ name: "infra" }] }));
      await store.putObject(
        ks("api", { sourceRef: { ...sourceRef, name: "other" }, dependsOn: [{ name: "infra" }] }),
      );
      const key = (name: string) => ({ kind: "Kustomization", namespace: "apps", name });

      expect(await store.listReferrers(source, "source")).toEqual([key("infra"), key("web")]);
      expect(await store.listReferrers(source, "dependsOn")).toEqual([]);
      expect(await store.listReferrers(key("infra"), "dependsOn")).toEqual([key("api"), key("web")]);
      expect(await store.listReferrers(other, "source")).toEqual([key("api")]);

      // A changed spec moves the references; an unchanged one keeps them.
      await store.putObject(ks("web", { sourceRef: { ...sourceRef, name: "other" } }));
      await store.putObject(
        ks("api", { sourceRef: { ...sourceRef, name: "other" }, dependsOn: [{ name: "infra" }] }),
      );
      expect(await store.listReferrers(source, "source")).toEqual([key("infra")]);
      expect(await store.listReferrers(other, "source")).toEqual([key("api"), key("web")]);
      expect(await store.listReferrers(key("infra"), "dependsOn")).toEqual([key("api")]);

      // A deleted object refers to nothing any more.
      await store.deleteObject(key("api"));
      expect(await store.listReferrers(key("infra"), "dependsOn")).toEqual([]);
      expect(await store.listReferrers(other, "source")).toEqual([key("web")]);
    });

    it("writes status only against the current version", async () => {
      const { store } = await setup();
      const key = repo("podinfo");
      const v0 = (await store.putObject(gitRepository(key))).statusVersion;
      const v1 = await store.writeStatus(key, { step: 1 }, v0);
      expect(v1).not.toBe(v0);
      expect(await store.getObject(key)).toMatchObject({ status: { step: 1 }, statusVersion: v1 });

      await expectPortError(store.writeStatus(key, { step: "stale" }, v0), "Conflict");
      expect((await store.getObject(key))?.status).toEqual({ step: 1 });

      const v2 = await store.writeStatus(key, { step: 2, conditions: [{ type: "Ready" }] }, v1);
      expect(new Set([v0, v1, v2]).size).toBe(3);
      expect(await store.getObject(key)).toMatchObject({
        status: { step: 2, conditions: [{ type: "Ready" }] },
        statusVersion: v2,
        generation: 1,
      });
      await expectPortError(store.writeStatus(repo("ghost"), { step: 1 }, v0), "NotFound");
    });

    it("holds a lease for one holder until it expires or is released", async () => {
      const { store } = await setup();
      const key = repo("podinfo");
      await store.putObject(gitRepository(key));

      const a = await store.acquireLease({ key, holder: "a", now: T0, ttlMs: 1_000 });
      expect(a).toEqual({ key, holder: "a", expiresAt: T0 + 1_000 });
      expect(await store.acquireLease({ key, holder: "b", now: T0 + 500, ttlMs: 1_000 })).toBeUndefined();
      const extended = await store.acquireLease({ key, holder: "a", now: T0 + 600, ttlMs: 1_000 });
      expect(extended).toEqual({ key, holder: "a", expiresAt: T0 + 1_600 });
      expect(await store.acquireLease({ key, holder: "b", now: T0 + 1_500, ttlMs: 1_000 })).toBeUndefined();

      const b = await store.acquireLease({ key, holder: "b", now: T0 + 1_700, ttlMs: 1_000 });
      expect(b).toEqual({ key, holder: "b", expiresAt: T0 + 2_700 });
      // "a" lost its lease to "b" while it was away: its release must not free b's.
      await store.releaseLease(extended ?? { key, holder: "a", expiresAt: T0 + 1_600 });
      expect(await store.acquireLease({ key, holder: "c", now: T0 + 1_800, ttlMs: 1_000 })).toBeUndefined();

      await store.releaseLease(b ?? { key, holder: "b", expiresAt: 0 });
      expect(await store.acquireLease({ key, holder: "c", now: T0 + 1_800, ttlMs: 1_000 })).toEqual({
        key,
        holder: "c",
        expiresAt: T0 + 2_800,
      });

      await expectPortError(
        store.acquireLease({ key: repo("ghost"), holder: "a", now: T0, ttlMs: 1 }),
        "NotFound",
      );
      await store.releaseLease({ key: repo("ghost"), holder: "a", expiresAt: T0 });
    });

    it("lists what is due, earliest first, up to the limit", async () => {
      const { store } = await setup();
      const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => repo(n)) as [
        ObjectKey,
        ObjectKey,
        ObjectKey,
        ObjectKey,
      ];
      for (const key of [a, b, c, d]) await store.putObject(gitRepository(key));
      await store.setDueAt(a, T0 + 300);
      await store.setDueAt(b, T0 + 100);
      await store.setDueAt(c, T0 + 200);
      await store.setDueAt(d, undefined);

      expect(await store.listDue(T0 + 99, 10)).toEqual([]);
      expect(await store.listDue(T0 + 200, 10)).toEqual([b, c]);
      expect(await store.listDue(T0 + 1_000, 10)).toEqual([b, c, a]);
      expect(await store.listDue(T0 + 1_000, 2)).toEqual([b, c]);
      expect(await store.listDue(T0 + 1_000, 0)).toEqual([]);

      await store.setDueAt(c, undefined);
      expect((await store.getObject(c))?.dueAt).toBeUndefined();
      expect((await store.getObject(a))?.dueAt).toBe(T0 + 300);
      expect(await store.listDue(T0 + 1_000, 10)).toEqual([b, a]);
      await store.setDueAt(b, T0 + 400);
      expect(await store.listDue(T0 + 1_000, 10)).toEqual([a, b]);
      await expectPortError(store.setDueAt(repo("ghost"), T0), "NotFound");
    });

    it("shares its data with another store on the same backing", async () => {
      const { store, other } = await setup();
      const second = await other();
      const key = repo("podinfo");
      const created = await store.putObject(gitRepository(key));
      expect(await second.getObject(key)).toEqual(created);
      await second.writeStatus(key, { from: "second" }, created.statusVersion);
      expect((await store.getObject(key))?.status).toEqual({ from: "second" });
    });

    it("gives a free lease to exactly one of many racing stores", async () => {
      const { store, other } = await setup();
      const key = repo("podinfo");
      await store.putObject(gitRepository(key));
      const racers = await Promise.all(Array.from({ length: RACERS }, () => other()));

      const first = await Promise.all(
        racers.map((racer, i) => racer.acquireLease({ key, holder: `w${i}`, now: T0, ttlMs: 1_000 })),
      );
      const winners = first.filter((lease) => lease !== undefined);
      expect(winners).toHaveLength(1);

      // The lease expired: the takeover is contended just the same.
      const second = await Promise.all(
        racers.map((racer, i) => racer.acquireLease({ key, holder: `v${i}`, now: T0 + 5_000, ttlMs: 1_000 })),
      );
      const takers = second.filter((lease) => lease !== undefined);
      expect(takers).toHaveLength(1);
      expect(
        await store.acquireLease({ key, holder: "late", now: T0 + 5_500, ttlMs: 1_000 }),
      ).toBeUndefined();
      const holder = takers[0]?.holder ?? "";
      expect(await store.acquireLease({ key, holder, now: T0 + 5_500, ttlMs: 1_000 })).toBeDefined();
    });

    it("lets exactly one of many racing status writes win", async () => {
      const { store, other } = await setup();
      const key = repo("podinfo");
      const version = (await store.putObject(gitRepository(key))).statusVersion;
      const racers = await Promise.all(Array.from({ length: RACERS }, () => other()));

      const results = await Promise.allSettled(
        racers.map((racer, i) => racer.writeStatus(key, { writer: i }, version)),
      );
      const won = results.flatMap((r, i) =>
        r.status === "fulfilled" ? [{ writer: i, version: r.value }] : [],
      );
      expect(won).toHaveLength(1);
      for (const result of results)
        if (result.status === "rejected") expect(isPortError(result.reason, "Conflict")).toBe(true);
      expect(await store.getObject(key)).toMatchObject({
        status: { writer: won[0]?.writer },
        statusVersion: won[0]?.version,
      });
    });

    it("counts every spec change when many stores register the same object at once", async () => {
      const { store, other } = await setup();
      const key = repo("podinfo");
      const racers = await Promise.all(Array.from({ length: RACERS }, () => other()));

      const puts = await Promise.all(
        racers.map((racer, i) => racer.putObject(gitRepository(key, { interval: `${i + 1}m` }))),
      );
      const generations = puts.map((p) => p.generation).sort((x, y) => x - y);
      expect(generations).toEqual(Array.from({ length: RACERS }, (_, i) => i + 1));
      expect((await store.getObject(key))?.generation).toBe(RACERS);
      expect(await store.listObjects()).toHaveLength(1);
    });
  });
}
