import type { Command } from "commander";
import type { ObjectKey } from "../../ports/object-key.ts";
import { usageError } from "../errors.ts";
import { KINDS, type KindInfo } from "../kinds.ts";
import type { OutputFormat } from "../output/manifest.ts";
import type { CliDeps, GlobalOptions } from "../session.ts";
import { Session } from "../session.ts";

/** Builds a command's session from its own options and every ancestor's (the global flags). */
export function sessionOf(deps: CliDeps, command: Command): Session {
  return new Session(deps, command.optsWithGlobals<GlobalOptions>());
}

export function keyOf(kind: KindInfo, namespace: string, name: string): ObjectKey {
  return { kind: kind.kind, namespace, name };
}

/** `Kind namespace/name`, how progress lines name an object. */
export function describe(key: ObjectKey): string {
  return `${key.kind} ${key.namespace}/${key.name}`;
}

export function outputFormat(
  value: unknown,
  allowed: readonly string[] = ["table", "json", "yaml"],
): OutputFormat {
  const text = typeof value === "string" ? value : "table";
  if (!allowed.includes(text))
    throw usageError(`-o/--output must be one of ${allowed.join(", ")}, got '${text}'`);
  return text as OutputFormat;
}

/** "a Kustomization", "an Alert". */
export function article(word: string): string {
  return `${/^[AEIOU]/.test(word) ? "an" : "a"} ${word}`;
}

/** Collects a repeatable flag's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface KindCommandOptions {
  /** Which kinds get a sub-command; default all. */
  readonly kinds?: readonly KindInfo[];
  /** Sets up one kind's command: arguments, options, action. */
  readonly setup: (command: Command, kind: KindInfo) => void;
}

/**
 * Adds one sub-command per kind in Flux's shape: `kustomization` (alias `ks`), `helmrelease`,
 * `receiver`, `alert`, `alert-provider`, and `source git|bucket|oci|helm|chart` under `source`.
 */
export function addKindCommands(parent: Command, options: KindCommandOptions): void {
  const kinds = options.kinds ?? KINDS;
  let sources: Command | undefined;
  for (const kind of kinds) {
    const [first, second] = kind.command;
    if (first === "source" && second) {
      sources ??= parent.command("source").description(
        `${parent.name()} a source: ${kinds
          .filter((k) => k.isSource)
          .map((k) => k.command[1])
          .join(", ")}`,
      );
      if (sources.commands.length === 0)
        sources.addHelpText("after", examples(`sluice ${parent.name()} source ${second} my-source`));
      const sub = sources.command(second).description(`${parent.name()} ${article(kind.kind)}`);
      options.setup(sub, kind);
    } else if (first) {
      const sub = parent.command(first).description(`${parent.name()} ${article(kind.kind)}`);
      const short = kind.aliases.find((a) => a.length <= 3);
      if (short) sub.alias(short);
      options.setup(sub, kind);
    }
  }
}

/** An example block for --help, indented as commander indents its sections. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => (l === "" ? "" : `  ${l}`)).join("\n")}\n`;
}
