import type { Command } from "commander";
import { type InventoryEntry, refFromInventory } from "../../apply/inventory.ts";
import { refSubject } from "../../apply/object-ref.ts";
import { isToolkitObject } from "../../kustomization/toolkit-objects.ts";
import type { ObjectKey } from "../../ports/object-key.ts";
import type { ObjectView } from "../api-client.ts";
import { CliError } from "../errors.ts";
import { printStructured } from "../output/manifest.ts";
import type { CliDeps, Session } from "../session.ts";
import { examples, outputFormat, sessionOf } from "./common.ts";

/** One node: an object and, for a Kustomization, what its inventory holds. */
export interface TreeNode {
  readonly subject: string;
  readonly children: readonly TreeNode[];
  /** Set when the node could not be expanded (a Kustomization not found, a cycle). */
  readonly note?: string;
}

function inventoryOf(view: ObjectView): InventoryEntry[] {
  const inventory = view.status.inventory as { entries?: InventoryEntry[] } | undefined;
  return Array.isArray(inventory?.entries) ? inventory.entries : [];
}

const MAX_DEPTH = 20;

/**
 * A Kustomization's inventory as a tree. Kustomizations it registered (they are in its inventory,
 * as toolkit objects) are expanded in turn, so the root shows the whole installation.
 */
export async function buildTree(
  load: (key: ObjectKey) => Promise<ObjectView | undefined>,
  key: ObjectKey,
  visiting: ReadonlySet<string> = new Set(),
): Promise<TreeNode> {
  const subject = `${key.kind}/${key.namespace}/${key.name}`;
  if (visiting.has(subject) || visiting.size >= MAX_DEPTH)
    return { subject, children: [], note: "already shown above" };
  const view = await load(key);
  if (!view) return { subject, children: [], note: "not registered" };
  const next = new Set([...visiting, subject]);
  const children: TreeNode[] = [];
  for (const entry of inventoryOf(view)) {
    let ref: ReturnType<typeof refFromInventory>;
    try {
      ref = refFromInventory(entry);
    } catch {
      children.push({ subject: entry.id, children: [], note: "unreadable inventory entry" });
      continue;
    }
    if (ref.kind === "Kustomization" && isToolkitObject(ref) && ref.namespace)
      children.push(
        await buildTree(load, { kind: ref.kind, namespace: ref.namespace, name: ref.name }, next),
      );
    else children.push({ subject: refSubject(ref), children: [] });
  }
  return { subject, children };
}

/** Box-drawing lines, as `tree` and `flux tree` draw them. */
export function renderTree(node: TreeNode): string {
  const lines: string[] = [label(node)];
  const walk = (children: readonly TreeNode[], prefix: string) => {
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${label(child)}`);
      walk(child.children, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(node.children, "");
  return `${lines.join("\n")}\n`;
}

function label(node: TreeNode): string {
  return node.note ? `${node.subject} (${node.note})` : node.subject;
}

async function tree(session: Session, name: string, options: { output?: string }): Promise<void> {
  const format = outputFormat(options.output);
  const key = { kind: "Kustomization", namespace: session.namespace, name };
  const api = session.api();
  const root = await api.get(key);
  if (!root.status.inventory)
    throw new CliError("Failed", `Kustomization ${key.namespace}/${name} has applied nothing yet`, {
      hint: `see its status with \`sluice get ks ${name} -n ${key.namespace}\``,
    });
  const node = await buildTree(
    (k) =>
      k.kind === key.kind && k.name === name && k.namespace === key.namespace
        ? Promise.resolve(root)
        : api.find(k),
    key,
  );
  session.term.out(format === "table" ? renderTree(node) : printStructured(format, node));
}

export function registerTree(program: Command, deps: CliDeps): void {
  const treeCmd = program
    .command("tree")
    .description("show what an object manages, as a tree")
    .addHelpText("after", examples("sluice tree kustomization flux-system"));
  treeCmd
    .command("kustomization")
    .alias("ks")
    .description("a Kustomization's inventory; the Kustomizations it registered are expanded too")
    .argument("<name>", "the Kustomization's name")
    .option("-o, --output <format>", "table (a tree), json or yaml", "table")
    .addHelpText("after", examples("sluice tree kustomization flux-system", "sluice tree ks apps -o json"))
    .action(async (name: string, options: { output?: string }, cmd: Command) =>
      tree(sessionOf(deps, cmd), name, options),
    );
}
