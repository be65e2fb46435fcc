import type { Command } from "commander";
import type { ObjectView } from "../api-client.ts";
import { usageError } from "../errors.ts";
import { KINDS, type KindInfo } from "../kinds.ts";
import { toManifest, yamlDocuments } from "../output/manifest.ts";
import type { CliDeps, Session } from "../session.ts";
import { addKindCommands, examples, keyOf, sessionOf } from "./common.ts";

interface ExportOptions {
  readonly all?: boolean;
  readonly allNamespaces?: boolean;
}

function byName(a: ObjectView, b: ObjectView): number {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

/** Registered objects as the manifests to commit: no status, generation or sluice bookkeeping. */
async function exportObjects(
  session: Session,
  kinds: readonly KindInfo[],
  name: string | undefined,
  options: ExportOptions,
): Promise<void> {
  let views: ObjectView[];
  if (name) {
    const [kind] = kinds;
    if (!kind) return;
    views = [await session.api().get(keyOf(kind, session.namespace, name))];
  } else {
    if (!options.all) throw usageError("name an object, or pass --all to export every one");
    const wanted = new Set(kinds.map((k) => k.kind));
    const listed = await session.api().list(options.allNamespaces ? {} : { namespace: session.namespace });
    views = listed
      .filter((v) => wanted.has(v.kind))
      .sort(
        (a, b) =>
          kinds.findIndex((k) => k.kind === a.kind) - kinds.findIndex((k) => k.kind === b.kind) ||
          byName(a, b),
      );
  }
  if (views.length === 0) {
    session.log.warn("nothing to export");
    return;
  }
  session.term.out(yamlDocuments(views.map((v) => toManifest(v, { status: false }))));
}

export function registerExport(program: Command, deps: CliDeps): void {
  const exportCmd = program
    .command("export")
    .description("print registered objects as YAML manifests, ready to commit")
    .addHelpText(
      "after",
      examples(
        "sluice export source git --all > sources.yaml",
        "sluice export kustomization apps",
        "sluice export all -A > backup.yaml",
      ),
    );
  addKindCommands(exportCmd, {
    setup: (command, kind) =>
      command
        .argument("[name]", `the ${kind.kind}'s name`)
        .option("--all", "every one in the namespace")
        .option("-A, --all-namespaces", "with --all: in every namespace")
        .addHelpText("after", examples(`sluice export ${kind.command.join(" ")} --all`))
        .action(async (name: string | undefined, options: ExportOptions, cmd: Command) =>
          exportObjects(sessionOf(deps, cmd), [kind], name, options),
        ),
  });
  exportCmd
    .command("all")
    .description("every registered object")
    .option("-A, --all-namespaces", "in every namespace")
    .addHelpText("after", examples("sluice export all -A > backup.yaml"))
    .action(async (options: ExportOptions, cmd: Command) =>
      exportObjects(sessionOf(deps, cmd), KINDS, undefined, { ...options, all: true }),
    );
}
