import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { SpecError } from "../../api/errors.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { KubeObject } from "../../render/kube-object.ts";
import { overlayFromSpec } from "../../render/overlay.ts";
import {
  resolvePostBuildVariables,
  substituteVariables,
  type VariableLookup,
} from "../../render/post-build.ts";
import { renderKustomization } from "../../render/render-kustomization.ts";
import { CliError } from "../errors.ts";
import { readLocalTree, repositoryRoot } from "./local-tree.ts";

/** The 256 MiB sources are held to (SLUICE_MAX_ARTIFACT_MIB), so a local build sees the same limit. */
function maxBytes(env: Readonly<Record<string, string | undefined>>): number {
  const mib = Number(env.SLUICE_MAX_ARTIFACT_MIB);
  return (Number.isFinite(mib) && mib > 0 ? mib : 256) * 1024 * 1024;
}

export interface LocalRenderInput {
  /** The Kustomization whose spec shapes the build (overlay, postBuild). */
  readonly kustomization: {
    readonly namespace: string;
    readonly name: string;
    readonly spec: Readonly<Record<string, unknown>>;
  };
  /** The local folder that stands for the Kustomization's spec.path. */
  readonly path: string;
  readonly kubectl: string;
  /** Where substituteFrom ConfigMaps and Secrets are read; none means offline. */
  readonly variables: VariableLookup;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
}

/**
 * Renders a local folder the way the Kustomization would render its source: the same kustomize
 * build, overlay and post-build substitution, plus the owner labels the apply adds. The folder's
 * repository is copied (filtered as a source is) so relative references work as they will.
 */
export async function renderLocal(input: LocalRenderInput): Promise<KubeObject[]> {
  const dir = resolve(input.path);
  const root = repositoryRoot(dir);
  const specPath = relative(root, dir).split(sep).join("/") || "./";
  const files = await readLocalTree(root, { maxBytes: maxBytes(input.env) });
  const workDir = await mkdtemp(join(tmpdir(), "sluice-build-"));
  try {
    const rendered = await renderKustomization({
      files,
      path: specPath,
      overlay: overlayFromSpec(input.kustomization.spec),
      kubectl: input.kubectl,
      workDir,
      signal: input.signal,
      maxBytes: maxBytes(input.env),
    });
    const vars = await resolvePostBuildVariables(input.kustomization.spec, input.variables);
    const objects = vars ? substituteVariables(rendered, vars) : rendered;
    const owner = {
      "kustomize.toolkit.fluxcd.io/name": input.kustomization.name,
      "kustomize.toolkit.fluxcd.io/namespace": input.kustomization.namespace,
    };
    return objects.map((o) => ({
      ...o,
      metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...owner } },
    }));
  } catch (error) {
    if (error instanceof ReconcileError || error instanceof SpecError)
      throw new CliError("Failed", `building ${input.path} failed: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
