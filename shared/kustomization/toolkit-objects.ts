import type { ObjectRef } from "../apply/object-ref.ts";
import type { ObjectKey } from "../ports/index.ts";
import { apiGroup, type KubeObject } from "../render/kube-object.ts";

/** API groups of the objects sluice itself runs: they are registered with sluice, not applied. */
const TOOLKIT_GROUPS = new Set([
  "source.toolkit.fluxcd.io",
  "kustomize.toolkit.fluxcd.io",
  "helm.toolkit.fluxcd.io",
  "notification.toolkit.fluxcd.io",
  "image.toolkit.fluxcd.io",
]);

export function isToolkitGroup(group: string): boolean {
  return TOOLKIT_GROUPS.has(group);
}

/** Where a toolkit object is registered; one without a namespace lands where kubectl would put it. */
export function toolkitKey(ref: ObjectRef): ObjectKey {
  return { kind: ref.kind, namespace: ref.namespace ?? "default", name: ref.name };
}

/** A GitRepository, Kustomization, Receiver, …: an object for sluice's control plane. */
export function isToolkitObject(object: Pick<KubeObject, "apiVersion">): boolean {
  return isToolkitGroup(apiGroup(object.apiVersion));
}

/**
 * Part of Flux's own installation (`gotk-components.yaml`): the toolkit CRDs and every object
 * `flux install` labels as part of Flux (its namespace, controllers, RBAC, network policies).
 * sluice replaces those controllers, so a Flux repository's copy of them is left out.
 */
export function isFluxInstallation(object: KubeObject): boolean {
  if (object.metadata.labels?.["app.kubernetes.io/part-of"] === "flux") return true;
  if (object.kind !== "CustomResourceDefinition") return false;
  const group = (object.spec as { group?: unknown } | undefined)?.group;
  return typeof group === "string" && isToolkitGroup(group);
}

export interface RenderedParts {
  /** Applied to the target cluster. */
  readonly cluster: KubeObject[];
  /** Registered with sluice. */
  readonly toolkit: KubeObject[];
  /** Flux's own installation, skipped. */
  readonly installation: KubeObject[];
}

/** Sorts a Kustomization's rendered objects by where each one goes. */
export function splitRendered(objects: readonly KubeObject[]): RenderedParts {
  const parts: RenderedParts = { cluster: [], toolkit: [], installation: [] };
  for (const object of objects) {
    if (isFluxInstallation(object)) parts.installation.push(object);
    else if (isToolkitObject(object)) parts.toolkit.push(object);
    else parts.cluster.push(object);
  }
  return parts;
}
