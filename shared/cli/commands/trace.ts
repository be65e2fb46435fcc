import type { Command } from "commander";
import { ClusterClient } from "../../apply/cluster-client.ts";
import { inventoryId } from "../../apply/inventory.ts";
import { KubeHttp } from "../../apply/kube-http.ts";
import type { ObjectKey } from "../../ports/object-key.ts";
import type { ObjectView } from "../api-client.ts";
import { CliError, clusterError, usageError } from "../errors.ts";
import { findKind } from "../kinds.ts";
import { findClusterKind } from "../local/cluster-kinds.ts";
import { printStructured } from "../output/manifest.ts";
import { readyCondition, revisionOf } from "../output/status.ts";
import type { CliDeps, Session } from "../session.ts";
import { examples, outputFormat, sessionOf } from "./common.ts";

const OWNER_NAME = "kustomize.toolkit.fluxcd.io/name";
const OWNER_NAMESPACE = "kustomize.toolkit.fluxcd.io/namespace";

/** What one step of the trace shows: an object and the fields worth reading. */
export interface TraceStep {
  readonly title: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

interface Traced {
  readonly subject: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

function ownerOf(labels: Readonly<Record<string, string>>): ObjectKey | undefined {
  const name = labels[OWNER_NAME];
  const namespace = labels[OWNER_NAMESPACE];
  return name && namespace ? { kind: "Kustomization", namespace, name } : undefined;
}

function statusFields(view: ObjectView): [string, string][] {
  const ready = readyCondition(view);
  return [
    ["Revision", revisionOf(view) || "-"],
    ["Suspended", view.suspended ? "True" : "False"],
    ["Ready", ready?.status ?? "Unknown"],
    ["Message", ready?.message ?? "not reconciled yet"],
  ];
}

function sourceFields(view: ObjectView): [string, string][] {
  const spec = view.spec ?? {};
  const ref = (spec.ref ?? {}) as Record<string, unknown>;
  const fields: [string, string][] = [];
  for (const field of ["url", "endpoint", "bucketName"])
    if (typeof spec[field] === "string") fields.push([capital(field), spec[field] as string]);
  for (const [k, v] of Object.entries(ref)) if (typeof v === "string") fields.push([capital(k), v]);
  return fields;
}

function capital(text: string): string {
  return text.replace(/^url$/, "URL").replace(/^./, (c) => c.toUpperCase());
}

function sourceKeyOf(view: ObjectView): ObjectKey | undefined {
  const ref = view.spec?.sourceRef as { kind?: unknown; name?: unknown; namespace?: unknown } | undefined;
  if (typeof ref?.kind !== "string" || typeof ref.name !== "string") return undefined;
  return {
    kind: ref.kind,
    name: ref.name,
    namespace: typeof ref.namespace === "string" ? ref.namespace : view.namespace,
  };
}

function inventoryHas(view: ObjectView, object: Traced): boolean {
  const entries = (view.status.inventory as { entries?: { id: string }[] } | undefined)?.entries ?? [];
  const id = inventoryId({
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.namespace ? { namespace: object.namespace } : {}),
    name: object.name,
  });
  return entries.some((e) => e.id === id);
}

/** The object in the cluster (or, for a toolkit kind, in sluice), with its labels. */
async function locate(
  session: Session,
  kindText: string,
  name: string,
  apiVersion: string | undefined,
): Promise<Traced> {
  const toolkit = apiVersion ? undefined : findKind(kindText);
  if (toolkit) {
    const view = await session.api().get({ kind: toolkit.kind, namespace: session.namespace, name });
    return {
      subject: `${view.kind}/${view.namespace}/${view.name}`,
      apiVersion: view.apiVersion,
      kind: view.kind,
      namespace: view.namespace,
      name: view.name,
      labels: view.metadata?.labels ?? {},
    };
  }
  const kc = await session.kubeConfig();
  const http = new KubeHttp(kc, { maxSockets: 8 });
  const client = new ClusterClient(kc, { concurrency: 4 });
  const signal = AbortSignal.timeout(session.timeoutMs);
  try {
    const kind = await findClusterKind(http, kindText, { signal, ...(apiVersion ? { apiVersion } : {}) });
    const ref = {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      name,
      ...(kind.namespaced ? { namespace: session.namespace } : {}),
    };
    const live = await client.get(ref, { signal });
    const subject = kind.namespaced ? `${kind.kind}/${session.namespace}/${name}` : `${kind.kind}/${name}`;
    if (!live)
      throw new CliError("NotFound", `${subject} not found in the cluster at ${http.server}`, {
        hint: "check the name and -n/--namespace",
      });
    return { subject, ...ref, labels: live.metadata.labels ?? {} };
  } catch (error) {
    throw clusterError(error);
  } finally {
    http.close();
    client.close();
  }
}

/**
 * Which Kustomization put an object where it is, and from which source and revision: the
 * owner labels every applied (or registered) object carries, followed up the chain.
 */
export async function trace(session: Session, target: Traced): Promise<TraceStep[]> {
  const owner = ownerOf(target.labels);
  if (!owner)
    throw new CliError("NotFound", `${target.subject} is not managed by sluice`, {
      hint: `it carries no ${OWNER_NAME} label, so no Kustomization applied it`,
    });
  const steps: TraceStep[] = [];
  const api = session.api();
  const ks = await api.find(owner);
  const listed = ks ? inventoryHas(ks, target) : false;
  steps.push({
    title: target.subject,
    fields: [
      ["Kind", target.kind],
      [
        "Status",
        listed ? "managed by sluice" : "labelled by sluice, but not in its Kustomization's inventory",
      ],
    ],
  });
  if (!ks) {
    steps.push({
      title: `Kustomization/${owner.namespace}/${owner.name}`,
      fields: [["Status", "no longer registered: the object was left behind"]],
    });
    return steps;
  }
  let current: ObjectView | undefined = ks;
  const seen = new Set<string>();
  while (current && !seen.has(`${current.namespace}/${current.name}`)) {
    seen.add(`${current.namespace}/${current.name}`);
    steps.push({
      title: `Kustomization/${current.namespace}/${current.name}`,
      fields: [["Path", String(current.spec?.path ?? "./")], ...statusFields(current)],
    });
    const sourceKey = sourceKeyOf(current);
    const source = sourceKey ? await api.find(sourceKey) : undefined;
    if (sourceKey)
      steps.push({
        title: `${sourceKey.kind}/${sourceKey.namespace}/${sourceKey.name}`,
        fields: source ? [...sourceFields(source), ...statusFields(source)] : [["Status", "not registered"]],
      });
    const parent = ownerOf(current.metadata?.labels ?? {});
    current = parent ? await api.find(parent) : undefined;
  }
  return steps;
}

export function renderTrace(steps: readonly TraceStep[]): string {
  const width = Math.max(...steps.flatMap((s) => s.fields.map(([k]) => k.length)), 6) + 2;
  return steps
    .map((step, i) => {
      // The first Kustomization applied the object; the ones above it registered that one.
      const role =
        i === 0
          ? "Object"
          : step.title.startsWith("Kustomization/")
            ? i === 1
              ? "Applied by"
              : "Registered by"
            : "From";
      const heading = `${role}: ${step.title}`;
      return [
        heading,
        ...step.fields.map(([k, v]) => `  ${`${k}:`.padEnd(width)}${v.replace(/\r?\n/g, "; ")}`),
      ].join("\n");
    })
    .join("\n---\n")
    .concat("\n");
}

export function registerTrace(program: Command, deps: CliDeps): void {
  program
    .command("trace")
    .description("show which Kustomization and source manage an object in the cluster")
    .argument("<kind>", "the object's kind (deployment, cm, …), or kind/name")
    .argument("[name]", "the object's name")
    .option("--api-version <version>", "the kind's API version, e.g. apps/v1, when the name is ambiguous")
    .option("-o, --output <format>", "table, json or yaml", "table")
    .addHelpText(
      "after",
      examples(
        "sluice trace deployment podinfo -n apps",
        "sluice trace configmap/settings -n apps",
        "sluice trace kustomization apps -n flux-system",
      ),
    )
    .action(
      async (
        kindArg: string,
        nameArg: string | undefined,
        options: { apiVersion?: string; output?: string },
        cmd: Command,
      ) => {
        const session = sessionOf(deps, cmd);
        const format = outputFormat(options.output);
        let [kind, name] = [kindArg, nameArg];
        if (!name && kindArg.includes("/")) [kind, name] = kindArg.split("/", 2) as [string, string];
        if (!name)
          throw usageError(
            "trace needs a kind and a name",
            "for example: sluice trace deployment podinfo -n apps",
          );
        const target = await locate(session, kind, name, options.apiVersion);
        const steps = await trace(session, target);
        session.term.out(format === "table" ? renderTrace(steps) : printStructured(format, steps));
      },
    );
}
