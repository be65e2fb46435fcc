import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { CliError, usageError } from "../errors.ts";
import { renderLocal } from "../local/render-local.ts";
import { yamlDocuments } from "../output/manifest.ts";
import type { CliDeps, Session } from "../session.ts";
import { examples, sessionOf } from "./common.ts";

export interface KustomizationSource {
  readonly namespace: string;
  readonly name: string;
  readonly spec: Readonly<Record<string, unknown>>;
  /** The registered object's inventory, when it came from the API (diff prunes against it). */
  readonly inventory?: readonly { id: string; v: string }[];
}

/** Reads the named Kustomization from a local manifest file, so a build needs no API at all. */
export function kustomizationFromFile(
  text: string,
  file: string,
  name: string,
  namespace: string,
): KustomizationSource {
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
    const meta = value?.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (value?.kind !== "Kustomization" || meta?.name !== name) continue;
    const ns = typeof meta.namespace === "string" ? meta.namespace : namespace;
    const spec = value.spec;
    if (typeof spec !== "object" || spec === null)
      throw usageError(`${file}: Kustomization ${name} has no spec`);
    return { namespace: ns, name, spec: spec as Record<string, unknown> };
  }
  throw usageError(`${file} holds no Kustomization named '${name}'`);
}

export async function loadKustomization(
  session: Session,
  name: string,
  file: string | undefined,
): Promise<KustomizationSource> {
  if (file) {
    let text: string;
    try {
      text = readFileSync(resolve(session.deps.cwd, file), "utf8");
    } catch (error) {
      throw usageError(`cannot read --kustomization-file ${file}: ${(error as Error).message}`);
    }
    return kustomizationFromFile(text, file, name, session.namespace);
  }
  const view = await session.api().get({ kind: "Kustomization", namespace: session.namespace, name });
  const inventory = (view.status.inventory as { entries?: { id: string; v: string }[] } | undefined)?.entries;
  return {
    namespace: view.namespace,
    name: view.name,
    spec: view.spec ?? {},
    ...(inventory ? { inventory } : {}),
  };
}

export interface BuildOptions {
  readonly path?: string;
  readonly kustomizationFile?: string;
}

function needPath(path: string | undefined): string {
  if (!path)
    throw usageError("--path is required: the local folder that stands for the Kustomization's spec.path");
  return path;
}

/**
 * Renders offline: ConfigMaps and Secrets named in postBuild.substituteFrom live in the cluster,
 * so they are not read; only postBuild.substitute (and `${var:=default}`) apply, and a warning
 * says so.
 */
async function build(session: Session, name: string, options: BuildOptions): Promise<void> {
  const path = needPath(options.path);
  const ks = await loadKustomization(session, name, options.kustomizationFile);
  const from = (ks.spec.postBuild as { substituteFrom?: unknown[] } | undefined)?.substituteFrom ?? [];
  if (Array.isArray(from) && from.length > 0)
    session.log.warn(
      `postBuild.substituteFrom is not read offline (${from.length} ConfigMap/Secret): their variables are unset here; \`sluice diff\` renders with the cluster's values`,
    );
  const tools = await session.tools();
  const objects = await renderLocal({
    kustomization: ks,
    path: resolve(session.deps.cwd, path),
    kubectl: tools.kubectl,
    variables: async () => ({}),
    env: session.deps.env,
    signal: AbortSignal.timeout(session.timeoutMs),
  });
  if (objects.length === 0) throw new CliError("Failed", `${path} renders no objects`);
  session.term.out(yamlDocuments(objects));
}

export function registerBuild(program: Command, deps: CliDeps): void {
  const buildCmd = program
    .command("build")
    .description("render locally what an object would apply, without a cluster")
    .addHelpText("after", examples("sluice build kustomization apps --path ./apps"));
  buildCmd
    .command("kustomization")
    .alias("ks")
    .description("render a local folder with a Kustomization's overlay, substitutions and labels, offline")
    .argument("<name>", "the Kustomization whose spec to use")
    .option("--path <dir>", "the local folder that stands for its spec.path")
    .option("--kustomization-file <file>", "read the Kustomization from this file instead of the API")
    .addHelpText(
      "after",
      examples(
        "sluice build kustomization apps --path ./apps",
        "sluice build ks apps --path ./apps --kustomization-file ./clusters/dev/apps.yaml > rendered.yaml",
      ),
    )
    .action(async (name: string, options: BuildOptions, cmd: Command) =>
      build(sessionOf(deps, cmd), name, options),
    );
}
