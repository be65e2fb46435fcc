import { readdir, readFile } from "node:fs/promises";
import { dirname, extname, join, relative, resolve } from "node:path";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { MAX_ALIASES, parseYamlDocuments } from "./manifests.ts";
import { isInside, realpathOrUndefined } from "./write-tree.ts";

export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

type Doc = Readonly<Record<string, unknown>>;

/** A path a kustomization file refers to; `base` ones kustomize would fetch as a remote when missing. */
interface Reference {
  readonly field: string;
  readonly value: string;
  readonly base: boolean;
}

const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|[a-z][a-z0-9+.-]*::|git@)|\?ref=|\?version=/i;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
const records = (value: unknown): Doc[] =>
  Array.isArray(value) ? value.filter((v): v is Doc => typeof v === "object" && v !== null) : [];
/** Entries that may hold either a file name or inline YAML. */
const fileNames = (value: unknown) =>
  strings(value).filter((s) => !s.includes("\n") && !s.trimStart().startsWith("{"));

/** Every file or folder a kustomization refers to, by the fields kustomize loads from. */
function references(doc: Doc): Reference[] {
  const refs: Reference[] = [];
  const add = (field: string, values: readonly string[], base = false) => {
    for (const value of values) refs.push({ field, value, base });
  };
  for (const field of ["resources", "bases", "components"]) add(field, strings(doc[field]), true);
  for (const field of [
    "patchesStrategicMerge",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
  ])
    add(field, fileNames(doc[field]));
  for (const field of ["patches", "patchesJson6902", "replacements"])
    for (const item of records(doc[field]))
      if (typeof item.path === "string") add(`${field}[].path`, [item.path]);
  for (const field of ["configMapGenerator", "secretGenerator"])
    for (const item of records(doc[field])) {
      add(
        `${field}[].files`,
        strings(item.files).map((f) => f.slice(f.indexOf("=") + 1)),
      );
      add(`${field}[].envs`, strings(item.envs));
      if (typeof item.env === "string") add(`${field}[].env`, [item.env]);
    }
  const openapi = doc.openapi as Doc | undefined;
  if (typeof openapi?.path === "string") add("openapi.path", [openapi.path]);
  const helmGlobals = doc.helmGlobals as Doc | undefined;
  if (typeof helmGlobals?.chartHome === "string") add("helmGlobals.chartHome", [helmGlobals.chartHome]);
  for (const chart of records(doc.helmCharts)) {
    if (typeof chart.valuesFile === "string") add("helmCharts[].valuesFile", [chart.valuesFile]);
    add("helmCharts[].additionalValuesFiles", strings(chart.additionalValuesFiles));
  }
  return refs;
}

async function checkReference(root: string, realRoot: string, file: string, ref: Reference): Promise<void> {
  const where = `'${ref.value}' (${ref.field} in ${relative(root, file)})`;
  if (REMOTE.test(ref.value))
    throw new ReconcileError(
      "BuildFailed",
      `refused remote reference ${where}: sluice builds only from the source artifact; vendor it into the repository or use a separate source`,
    );
  const target = resolve(dirname(file), ref.value);
  const real = await realpathOrUndefined(target);
  if (!isInside(root, target) || (real !== undefined && !isInside(realRoot, real)))
    throw new ReconcileError(
      "BuildFailed",
      `refused ${where}: it points outside the source artifact; references must stay inside it`,
    );
  if (real === undefined && ref.base)
    throw new ReconcileError(
      "BuildFailed",
      `${where} does not exist in the source artifact (sluice never fetches remote bases: vendor them into the repository)`,
    );
}

/** Refuses files whose aliases would make kustomize expand them without bound. */
async function checkAliases(root: string, path: string): Promise<void> {
  const text = await readFile(path, "utf8");
  if (!text.includes("&") || !text.includes("*")) return;
  try {
    parseYamlDocuments(text, relative(root, path));
  } catch (error) {
    // Syntax errors are reported by the build with more context; only the bomb is refused here.
    if (error instanceof ReconcileError && error.message.includes(`beyond ${MAX_ALIASES}`)) throw error;
  }
}

/**
 * Checks the whole artifact before kustomize runs with load restrictions off (as Flux runs it):
 * every kustomization file's references stay inside `root` and are local, and no YAML file is an
 * alias bomb. Symlinks were already confined to the tree when it was written.
 */
export async function guardTree(root: string): Promise<void> {
  const realRoot = (await realpathOrUndefined(root)) ?? root;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if ((KUSTOMIZATION_FILES as readonly string[]).includes(entry.name)) {
        if (!(await realpathOrUndefined(path))) continue;
        const text = await readFile(path, "utf8");
        const [doc] = parseYamlDocuments(text, relative(root, path));
        if (typeof doc !== "object" || doc === null) continue;
        for (const ref of references(doc as Doc)) await checkReference(root, realRoot, path, ref);
      } else if ([".yaml", ".yml", ".json"].includes(extname(entry.name)) && entry.isFile())
        await checkAliases(root, path);
    }
  };
  await walk(root);
}
