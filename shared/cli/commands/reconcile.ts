import type { Command } from "commander";
import type { ObjectKey } from "../../ports/object-key.ts";
import { CliError } from "../errors.ts";
import { KINDS, type KindInfo } from "../kinds.ts";
import type { CliDeps, Session } from "../session.ts";
import { addKindCommands, describe, examples, keyOf, sessionOf } from "./common.ts";
import { reportResult, waitForReconcile } from "./wait.ts";

/** The source a Kustomization (or HelmRelease, HelmChart) reads, from its spec. */
function sourceOf(
  spec: Readonly<Record<string, unknown>> | undefined,
  namespace: string,
): ObjectKey | undefined {
  const ref = (spec?.sourceRef ??
    (spec?.chart as { spec?: { sourceRef?: unknown } } | undefined)?.spec?.sourceRef) as
    | { kind?: unknown; name?: unknown; namespace?: unknown }
    | undefined;
  if (typeof ref?.kind !== "string" || typeof ref.name !== "string") return undefined;
  return {
    kind: ref.kind,
    name: ref.name,
    namespace: typeof ref.namespace === "string" ? ref.namespace : namespace,
  };
}

/** Requests a run now and follows it to its result, as `flux reconcile` does. */
export async function reconcileAndWait(session: Session, key: ObjectKey): Promise<void> {
  session.log.doing(`asking ${describe(key)} to reconcile`);
  const { requestedAt } = await session.api().reconcile(key);
  session.log.waiting(`waiting for ${describe(key)} to finish`);
  const view = await waitForReconcile(session, key, requestedAt);
  reportResult(session, view);
}

async function reconcile(session: Session, kind: KindInfo, name: string, withSource: boolean): Promise<void> {
  const key = keyOf(kind, session.namespace, name);
  const view = await session.api().get(key);
  if (view.suspended)
    throw new CliError("Conflict", `${describe(key)} is suspended`, {
      hint: `resume it first: sluice resume ${kind.command.join(" ")} ${name} -n ${key.namespace}`,
    });
  if (withSource) {
    const source = sourceOf(view.spec, key.namespace);
    if (!source) throw new CliError("Invalid", `${describe(key)} names no sourceRef to reconcile`);
    await reconcileAndWait(session, source);
  }
  await reconcileAndWait(session, key);
}

export function registerReconcile(program: Command, deps: CliDeps): void {
  const reconcileCmd = program
    .command("reconcile")
    .description("run an object now, out of schedule, and wait for the result")
    .addHelpText(
      "after",
      examples(
        "sluice reconcile kustomization apps --with-source",
        "sluice reconcile source git podinfo -n flux-system",
      ),
    );
  addKindCommands(reconcileCmd, {
    kinds: KINDS,
    setup: (command, kind) => {
      command.argument("<name>", `the ${kind.kind}'s name`);
      const takesSource = ["Kustomization", "HelmRelease", "HelmChart"].includes(kind.kind);
      if (takesSource) command.option("--with-source", "reconcile its source first, then it");
      command
        .addHelpText(
          "after",
          examples(
            `sluice reconcile ${kind.command.join(" ")} my-${kind.kind.toLowerCase()}${takesSource ? " --with-source" : ""}`,
          ),
        )
        .action(async (name: string, options: { withSource?: boolean }, cmd: Command) =>
          reconcile(sessionOf(deps, cmd), kind, name, options.withSource === true),
        );
    },
  });
}
