import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { stringify } from "yaml";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { checkObjectShape, parseYamlDocuments } from "./manifests.ts";
import type { KustomizeOverlay } from "./overlay.ts";
import { KUSTOMIZATION_FILES } from "./tree-guard.ts";

type Doc = Record<string, unknown>;

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) if (await isFile(join(dir, name))) return join(dir, name);
  return undefined;
}

/** A document a person meant as a Kubernetes object, as opposed to e.g. a Helm values file. */
function looksLikeObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return "apiVersion" in value || "kind" in value;
}

/**
 * What Flux lists in the kustomization it generates for a folder without one: every YAML file
 * holding Kubernetes objects, recursively, and every sub-folder that has its own kustomization
 * file (as a whole, without descending into it). YAML that is not a Kubernetes object is skipped.
 */
async function scanResources(root: string, base: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (await findKustomizationFile(path)) found.push(`./${relative(base, path)}`);
        else await walk(path);
        continue;
      }
      if (![".yaml", ".yml"].includes(extname(entry.name)) || !(await isFile(path))) continue;
      const source = relative(root, path);
      const docs = parseYamlDocuments(await readFile(path, "utf8"), source).filter(looksLikeObject);
      if (docs.length === 0) continue;
      docs.forEach((doc, i) => {
        const kind = (doc as Doc).kind;
        // A List carries its objects in items and needs no name of its own.
        if (typeof kind === "string" && kind.endsWith("List") && Array.isArray((doc as Doc).items)) return;
        checkObjectShape(doc, docs.length > 1 ? `${source}, object ${i + 1}` : source);
      });
      found.push(`./${relative(base, path)}`);
    }
  };
  await walk(base);
  return found;
}

function applyOverlay(doc: Doc, overlay: KustomizeOverlay, components: readonly string[]): void {
  if (overlay.targetNamespace) doc.namespace = overlay.targetNamespace;
  if (overlay.namePrefix) doc.namePrefix = overlay.namePrefix;
  if (overlay.nameSuffix) doc.nameSuffix = overlay.nameSuffix;
  const list = (field: string): unknown[] => (Array.isArray(doc[field]) ? (doc[field] as unknown[]) : []);
  if (overlay.patches?.length) doc.patches = [...list("patches"), ...overlay.patches];
  if (components.length) doc.components = [...list("components"), ...components];
  if (overlay.images?.length) {
    // Flux replaces an image entry of the same name rather than adding a second one.
    const images = [...list("images")];
    for (const image of overlay.images) {
      const at = images.findIndex((i) => (i as Doc | null)?.name === image.name);
      if (at >= 0) images[at] = image;
      else images.push(image);
    }
    doc.images = images;
  }
}

/** kustomize's annotation saying which file an object came from (`path: apps/cm.yaml`). */
export const ORIGIN_ANNOTATION = "config.kubernetes.io/origin";

export interface PreparedKustomization {
  /** False when there is nothing to build at all. */
  readonly build: boolean;
  /** The kustomization asked for origin annotations itself, so they stay on the objects. */
  readonly keepOrigins: boolean;
}

/**
 * Writes the kustomization kustomize builds at `dir`: the one there (or a generated one) with the
 * overlay folded in as Flux does, and origin annotations turned on so a failure can name the file.
 */
export async function prepareKustomization(
  root: string,
  dir: string,
  overlay: KustomizeOverlay,
): Promise<PreparedKustomization> {
  const existing = await findKustomizationFile(dir);
  let doc: Doc;
  if (existing) {
    const [parsed] = parseYamlDocuments(await readFile(existing, "utf8"), relative(root, existing));
    if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed)))
      throw new ReconcileError("BuildFailed", `${relative(root, existing)} must be a YAML mapping`);
    doc = { ...((parsed as Doc | null) ?? {}) };
  } else {
    doc = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: await scanResources(root, dir),
    };
  }
  const components: string[] = [];
  for (const component of overlay.components ?? []) {
    if (overlay.ignoreMissingComponents && !(await stat(join(dir, component)).catch(() => undefined)))
      continue;
    components.push(component);
  }
  applyOverlay(doc, overlay, components);
  const empty = !existing && (doc.resources as unknown[]).length === 0 && components.length === 0;
  if (empty) return { build: false, keepOrigins: false };
  const buildMetadata = Array.isArray(doc.buildMetadata) ? (doc.buildMetadata as unknown[]) : [];
  const keepOrigins = buildMetadata.includes("originAnnotations");
  if (!keepOrigins) doc.buildMetadata = [...buildMetadata, "originAnnotations"];
  await writeFile(existing ?? join(dir, "kustomization.yaml"), stringify(doc, { lineWidth: 0 }));
  return { build: true, keepOrigins };
}
