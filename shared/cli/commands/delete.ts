import type { Command } from "commander";
import { CliError, usageError } from "../errors.ts";
import type { KindInfo } from "../kinds.ts";
import type { CliDeps, Session } from "../session.ts";
import { addKindCommands, describe, examples, keyOf, sessionOf } from "./common.ts";

async function confirm(session: Session, question: string): Promise<boolean> {
  if (!session.term.interactive || !session.term.ask)
    throw usageError("refusing to delete without confirmation", "pass --silent to delete from a script");
  const answer = await session.term.ask(`${question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * Asks for the deletion and, unless --no-wait, waits until the worker has cleaned up (pruned
 * what a Kustomization applied, per its deletionPolicy) and removed the object.
 */
async function remove(
  session: Session,
  kind: KindInfo,
  name: string,
  options: { silent?: boolean; wait: boolean },
): Promise<void> {
  const key = keyOf(kind, session.namespace, name);
  const api = session.api();
  await api.get(key);
  if (!options.silent && !(await confirm(session, `delete ${describe(key)}?`))) {
    session.log.warn("nothing deleted");
    return;
  }
  session.log.doing(`deleting ${describe(key)}`);
  await api.remove(key);
  if (!options.wait) {
    session.log.done(`deletion of ${describe(key)} requested`);
    return;
  }
  session.log.waiting(`waiting for ${describe(key)} to be cleaned up and removed`);
  const deadline = Date.now() + session.timeoutMs;
  while (await api.find(key)) {
    if (Date.now() >= deadline)
      throw new CliError("Timeout", `${describe(key)} is still there after ${session.options.timeout}`, {
        hint: `its clean-up may be failing: see \`sluice events --for ${key.kind}/${name} -n ${key.namespace}\``,
      });
    await session.sleep();
  }
  session.log.done(`${describe(key)} deleted`);
}

export function registerDelete(program: Command, deps: CliDeps): void {
  const del = program
    .command("delete")
    .description("remove an object; a Kustomization first prunes what it applied (per deletionPolicy)")
    .addHelpText(
      "after",
      examples("sluice delete kustomization apps --silent", "sluice delete source git podinfo"),
    );
  addKindCommands(del, {
    setup: (command, kind) =>
      command
        .argument("<name>", `the ${kind.kind}'s name`)
        .option("-s, --silent", "do not ask for confirmation")
        .option("--no-wait", "return once the deletion is requested")
        .addHelpText("after", examples(`sluice delete ${kind.command.join(" ")} my-object --silent`))
        .action(async (name: string, options: { silent?: boolean; wait: boolean }, cmd: Command) =>
          remove(sessionOf(deps, cmd), kind, name, options),
        ),
  });
}
