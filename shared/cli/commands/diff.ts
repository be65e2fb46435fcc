import { resolve } from "node:path";
import type { Command } from "commander";
import { excludedFromApply } from "../../apply/annotations.ts";
import { ClusterClient } from "../../apply/cluster-client.ts";
import { comparable, hasDrifted } from "../../apply/drift.ts";
import { inventoryOf, refFromInventory } from "../../apply/inventory.ts";
import {
  isImmutableError,
  isNamespaceMissing,
  KubeApiError,
  NoKindMatchError,
} from "../../apply/kube-errors.ts";
import { mapLimit } from "../../apply/map-limit.ts";
import { refOf, refSubject } from "../../apply/object-ref.ts";
import { isToolkitObject, splitRendered } from "../../kustomization/toolkit-objects.ts";
import { apiGroup, type KubeObject, objectSubject } from "../../render/kube-object.ts";
import { CliError, clusterError, EXIT } from "../errors.ts";
import { renderLocal } from "../local/render-local.ts";
import { type FieldChange, fieldChanges, maskSecret, renderChanges } from "../output/field-diff.ts";
import { printStructured } from "../output/manifest.ts";
import type { CliDeps, Session } from "../session.ts";
import { paint } from "../terminal.ts";
import { type BuildOptions, type KustomizationSource, loadKustomization } from "./build.ts";
import { examples, outputFormat, sessionOf } from "./common.ts";

/** What an apply of the local folder would do to one object. */
export interface DiffEntry {
  readonly subject: string;
  readonly action: "created" | "configured" | "deleted";
  readonly changes?: readonly FieldChange[];
  /** Why the entry is less certain than a dry-run (a namespace or CRD of the same set). */
  readonly note?: string;
}

/** Whether another object of the set is the Namespace or CRD this one needs to be validated. */
function definedBySet(object: KubeObject, set: readonly KubeObject[]): boolean {
  return set.some((d) => {
    if (d.kind === "Namespace") return d.metadata.name === object.metadata.namespace;
    const spec = d.spec as { group?: string; names?: { kind?: string } } | undefined;
    return (
      d.kind === "CustomResourceDefinition" &&
      spec?.group === apiGroup(object.apiVersion) &&
      spec.names?.kind === object.kind
    );
  });
}

async function clusterEntries(
  client: ClusterClient,
  objects: readonly KubeObject[],
  signal: AbortSignal,
): Promise<DiffEntry[]> {
  const entries = await mapLimit(
    objects,
    client.concurrency,
    async (object): Promise<DiffEntry | undefined> => {
      if (excludedFromApply(object)) return undefined;
      const subject = objectSubject(object);
      let live: KubeObject | undefined;
      try {
        live = await client.get(refOf(object), { signal });
        if (excludedFromApply(live)) return undefined;
        const dry = await client.dryRunApply(object, { signal });
        if (!live) return { subject, action: "created" };
        if (!hasDrifted(live, dry)) return undefined;
        return {
          subject,
          action: "configured",
          changes: maskSecret(object.kind, fieldChanges(comparable(live), comparable(dry))),
        };
      } catch (error) {
        if ((error instanceof NoKindMatchError || isNamespaceMissing(error)) && definedBySet(object, objects))
          return { subject, action: "created", note: "its Namespace or CRD is created by the same apply" };
        if (live && isImmutableError(error))
          return {
            subject,
            action: "configured",
            note: "an immutable field changed: it is recreated only with spec.force",
          };
        if (error instanceof KubeApiError || error instanceof NoKindMatchError)
          throw new CliError("Failed", `${subject} would be refused: ${error.message}`, { cause: error });
        throw error;
      }
    },
  );
  return entries.filter((e): e is DiffEntry => e !== undefined);
}

async function toolkitEntries(session: Session, objects: readonly KubeObject[]): Promise<DiffEntry[]> {
  const entries: DiffEntry[] = [];
  for (const object of objects) {
    const key = { kind: object.kind, namespace: object.metadata.namespace ?? "", name: object.metadata.name };
    const subject = objectSubject(object);
    const registered = await session.api().find(key);
    if (!registered) {
      entries.push({ subject, action: "created" });
      continue;
    }
    const want = { labels: object.metadata.labels ?? {}, spec: object.spec ?? {} };
    const have = { labels: registered.metadata?.labels ?? {}, spec: registered.spec ?? {} };
    const changes = fieldChanges(have, want);
    if (changes.length > 0) entries.push({ subject, action: "configured", changes });
  }
  return entries;
}

/** What the last apply left that this one would prune: in the old inventory, not in the new. */
async function pruneEntries(
  session: Session,
  client: ClusterClient,
  ks: KustomizationSource,
  rendered: readonly KubeObject[],
  signal: AbortSignal,
): Promise<DiffEntry[]> {
  if (ks.spec.prune !== true || !ks.inventory) return [];
  const keep = new Set(inventoryOf(rendered).map((e) => e.id));
  const entries: DiffEntry[] = [];
  for (const entry of ks.inventory) {
    if (keep.has(entry.id)) continue;
    const ref = refFromInventory(entry);
    const exists = isToolkitObject(ref)
      ? await session.api().find({ kind: ref.kind, namespace: ref.namespace ?? "", name: ref.name })
      : await client.get(ref, { signal });
    if (exists) entries.push({ subject: refSubject(ref), action: "deleted" });
  }
  return entries;
}

export function renderDiff(session: Pick<Session, "term">, entries: readonly DiffEntry[]): string {
  const colour = { created: "green", configured: "yellow", deleted: "red" } as const;
  const word = { created: "created", configured: "drifted", deleted: "deleted" } as const;
  return entries
    .map(
      (e) =>
        `${paint(session.term, "blue", "►")} ${e.subject} ${paint(session.term, colour[e.action], word[e.action])}${e.note ? ` (${e.note})` : ""}\n${renderChanges(e.changes ?? [])}`,
    )
    .join("");
}

/**
 * Renders the local folder with the cluster's substitution variables and compares it with the
 * live cluster through server-side dry-runs (nothing is written); toolkit objects are compared
 * with what sluice has registered. Exit code 1 when anything would change.
 */
async function diff(
  session: Session,
  name: string,
  options: BuildOptions & { output?: string },
): Promise<number> {
  const format = outputFormat(options.output);
  if (!options.path)
    throw new CliError(
      "Usage",
      "--path is required: the local folder that stands for the Kustomization's spec.path",
    );
  const ks = await loadKustomization(session, name, options.kustomizationFile);
  const kc = await session.kubeConfig();
  const { clusterVariables } = await import("../../kustomization/cluster-variables.ts");
  const signal = AbortSignal.timeout(session.timeoutMs);
  const tools = await session.tools();
  const client = new ClusterClient(kc);
  try {
    const rendered = await renderLocal({
      kustomization: ks,
      path: resolve(session.deps.cwd, options.path),
      kubectl: tools.kubectl,
      variables: clusterVariables(async () => kc, ks.namespace),
      env: session.deps.env,
      signal,
    });
    const parts = splitRendered(rendered);
    const entries = [
      ...(await clusterEntries(client, parts.cluster, signal)),
      ...(await toolkitEntries(session, parts.toolkit)),
      ...(await pruneEntries(session, client, ks, [...parts.cluster, ...parts.toolkit], signal)),
    ];
    if (format !== "table") session.term.out(printStructured(format, { changes: entries }));
    else if (entries.length > 0) session.term.out(renderDiff(session, entries));
    else session.log.done(`no changes: the cluster matches ${options.path}`);
    return entries.length > 0 ? EXIT.differs : EXIT.ok;
  } catch (error) {
    throw clusterError(error);
  } finally {
    client.close();
  }
}

export function registerDiff(program: Command, deps: CliDeps, setExitCode: (code: number) => void): void {
  const diffCmd = program
    .command("diff")
    .description("show what applying a local folder would change in the cluster")
    .addHelpText("after", examples("sluice diff kustomization apps --path ./apps"));
  diffCmd
    .command("kustomization")
    .alias("ks")
    .description(
      "render a local folder as the Kustomization would and compare it with the live cluster (exit 1 when it differs)",
    )
    .argument("<name>", "the Kustomization whose spec to use")
    .option("--path <dir>", "the local folder that stands for its spec.path")
    .option("--kustomization-file <file>", "read the Kustomization from this file instead of the API")
    .option("-o, --output <format>", "table, json or yaml", "table")
    .addHelpText(
      "after",
      `${examples("sluice diff kustomization apps --path ./apps", "sluice diff ks apps --path ./apps -o json")}\nExit codes: 0 no changes, 1 changes (or a failure), 2 a usage error. Secret values are masked.\n`,
    )
    .action(async (name: string, options: BuildOptions & { output?: string }, cmd: Command) =>
      setExitCode(await diff(sessionOf(deps, cmd), name, options)),
    );
}
