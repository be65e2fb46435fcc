import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Document, isMap, isNode, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { checkUrl, functionUrlRegion, parseConfig, unknownContext } from "./contexts.ts";
import { CliError, usageError } from "./errors.ts";

/**
 * Edits of the config file (`sluice config …`, `sluice bootstrap git`). They work on the YAML
 * Document rather than on plain data, so a user's comments, ordering and unknown keys survive.
 */

/** What `set-context` sets; a field left out keeps its value on an existing context. */
export interface ContextFields {
  readonly url?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly kubeconfig?: string;
}

/** The file's top-level map, created in an empty (or comment-only) document. */
function topLevel(doc: Document): YAMLMap {
  if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new CliError("Invalid", "the config file must be a map");
  return doc.contents as YAMLMap;
}

function contextList(doc: Document, create: boolean): YAMLSeq | undefined {
  const top = topLevel(doc);
  const list = top.get("contexts");
  if (isSeq(list)) {
    // `contexts: []` would otherwise stay in flow style with block maps squeezed into it.
    if (list.flow && list.items.length === 0) list.flow = false;
    return list;
  }
  if (!create) return undefined;
  const fresh = doc.createNode([]) as YAMLSeq;
  top.set("contexts", fresh);
  return fresh;
}

function nameOf(item: unknown): unknown {
  return isMap(item) ? item.get("name") : undefined;
}

/** The names of the contexts in the document, in file order. */
export function contextNames(doc: Document): string[] {
  return (contextList(doc, false)?.items ?? []).map(nameOf).filter((n): n is string => typeof n === "string");
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value !== undefined && value.trim() === "") throw usageError(`${flag} must not be empty`);
  return value;
}

/**
 * Creates the context, or changes the given fields of an existing one. A function URL names its
 * region, so `--region` is only needed for other URLs (or to override it).
 */
export function setContext(doc: Document, name: string, fields: ContextFields): "created" | "updated" {
  if (name.trim() === "") throw usageError("a context needs a name");
  const given = nonEmpty(fields.url, "--url");
  const url = given === undefined ? undefined : checkUrl(given, "--url");
  const region = nonEmpty(fields.region, "--region") ?? (url ? functionUrlRegion(url) : undefined);
  const profile = nonEmpty(fields.profile, "--profile");
  const kubeconfig = nonEmpty(fields.kubeconfig, "--kubeconfig");
  const list = contextList(doc, true) as YAMLSeq;
  const existing = list.items.find((item) => nameOf(item) === name);
  const noRegion = () =>
    usageError(
      `context '${name}' has no AWS region for --profile`,
      "pass --region, or a function URL (https://<id>.lambda-url.<region>.on.aws), which names it",
    );

  if (!isMap(existing)) {
    if (!url)
      throw usageError(
        `there is no context '${name}' yet: a new one needs --url`,
        `sluice config set-context ${name} --url <url>`,
      );
    if (profile && !region) throw noRegion();
    list.add(
      doc.createNode({
        name,
        url,
        ...(region ? { aws: { region, ...(profile ? { profile } : {}) } } : {}),
        ...(kubeconfig ? { kubeconfig } : {}),
      }),
    );
    return "created";
  }

  if (url) existing.set("url", url);
  if (region || profile) {
    const aws = existing.get("aws");
    if (isMap(aws)) {
      if (region) aws.set("region", region);
      if (profile) aws.set("profile", profile);
    } else {
      if (!region) throw noRegion();
      existing.set("aws", doc.createNode({ region, ...(profile ? { profile } : {}) }));
    }
  }
  if (kubeconfig) existing.set("kubeconfig", kubeconfig);
  return "updated";
}

/** Makes `name` the current context; it must exist. */
export function useContext(doc: Document, name: string): void {
  const known = contextNames(doc);
  if (!known.includes(name)) throw unknownContext(name, known);
  const top = topLevel(doc);
  if (top.has("current-context")) {
    top.set("current-context", name);
    return;
  }
  // A new key goes first, where people look for it (and where the README's example has it).
  const pair = doc.createPair("current-context", name);
  const first = top.items[0]?.key;
  if (isNode(first) && first.commentBefore && isNode(pair.key)) {
    // The file's header comment is parsed onto the first key: it stays at the top. After a blank
    // line, the rest was about that key, so it stays with it.
    const comment = first.commentBefore;
    const cut = comment.lastIndexOf("\n\n");
    pair.key.commentBefore = cut < 0 ? comment : comment.slice(0, cut);
    first.commentBefore = cut < 0 ? null : comment.slice(cut + 2);
    first.spaceBefore = cut >= 0;
  }
  top.items.unshift(pair);
}

/** Removes the context, and `current-context` when it named it; says whether it did. */
export function deleteContext(doc: Document, name: string): { readonly wasCurrent: boolean } {
  const list = contextList(doc, false);
  const index = list?.items.findIndex((item) => nameOf(item) === name) ?? -1;
  if (!list || index < 0) throw unknownContext(name, contextNames(doc));
  list.items.splice(index, 1);
  const top = topLevel(doc);
  const wasCurrent = top.get("current-context") === name;
  if (wasCurrent) top.delete("current-context");
  return { wasCurrent };
}

async function readIfPresent(path: string): Promise<{ text: string; mode?: number }> {
  try {
    const [text, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { text, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "" };
    throw new CliError("Invalid", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A dotfiles manager's symlink stays a symlink: the edit goes to the file it points at. */
async function target(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

/**
 * Replaces the file in one rename, so a reader (another sluice command) sees the old file or the
 * new one, never half of one. A new folder is private (0700), a new file 0600 (it names AWS
 * profiles and kubeconfigs); an existing file keeps its mode.
 */
export async function writeAtomically(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, "wx", mode);
    try {
      // open's mode is cut by the umask; the file's mode should not depend on the shell's umask.
      await handle.chmod(mode);
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new CliError("Failed", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Reads the config file (a missing one is empty), lets `edit` change its Document, and writes it
 * back. Both the file as found and the result go through parseConfig, the one validator, so an
 * edit never starts from a file the CLI misreads nor leaves one it refuses.
 */
export async function updateConfig<T>(path: string, edit: (doc: Document) => T): Promise<T> {
  const file = await target(path);
  const found = await readIfPresent(file);
  parseConfig(found.text, path);
  const doc = parseDocument(found.text);
  const result = edit(doc);
  const text = doc.toString();
  try {
    parseConfig(text, path);
  } catch (error) {
    throw new CliError("Invalid", `refusing to write an invalid config: ${(error as Error).message}`, {
      hint: `${path} is unchanged`,
      cause: error,
    });
  }
  await writeAtomically(file, text, found.mode ?? 0o600);
  return result;
}
