import type { Command } from "commander";
import type { ObjectKey } from "../../ports/object-key.ts";
import type { ObjectView } from "../api-client.ts";
import { CliError, usageError } from "../errors.ts";
import type { KindInfo } from "../kinds.ts";
import { readyCondition, revisionOf } from "../output/status.ts";
import type { CliDeps, Session } from "../session.ts";
import { addKindCommands, describe, examples, keyOf, sessionOf } from "./common.ts";
import { reconcileAndWait } from "./reconcile.ts";
import { reportResult, waitForReconcile } from "./wait.ts";

async function setSuspended(
  session: Session,
  kind: KindInfo,
  names: readonly string[],
  suspend: boolean,
  wait: boolean,
) {
  for (const name of names) {
    const key = keyOf(kind, session.namespace, name);
    session.log.doing(`${suspend ? "suspending" : "resuming"} ${describe(key)}`);
    if (suspend) {
      await session.api().suspend(key);
      session.log.done(`${describe(key)} suspended`);
      continue;
    }
    const { requestedAt } = await session.api().resume(key);
    session.log.done(`${describe(key)} resumed`);
    if (!wait) continue;
    // Resuming asked for a run; follow that one (an older server asked for none: ask now).
    if (requestedAt) reportResult(session, await waitForReconcile(session, key, requestedAt));
    else await reconcileAndWait(session, key);
  }
}

interface SuspendOptions {
  readonly all?: boolean;
  readonly allNamespaces?: boolean;
  /** resume only: false with --no-wait. */
  readonly wait?: boolean;
}

/** Names or --all, never both and never neither; -A only widens --all. */
function checkTargets(kind: KindInfo, verb: string, names: readonly string[], options: SuspendOptions): void {
  const command = `sluice ${verb} ${kind.command.join(" ")}`;
  if (names.length > 0 && options.all)
    throw usageError(`give ${kind.kind} names or --all, not both`, `for example ${command} --all`);
  if (names.length === 0 && !options.all)
    throw usageError(
      `name the ${kind.kind} objects to ${verb}, or pass --all for every one`,
      `for example ${command} --all -n flux-system`,
    );
  if (options.allNamespaces && !options.all)
    throw usageError("-A/--all-namespaces goes with --all", `for example ${command} --all -A`);
}

/** How many runs `resume --all` follows at once (see setSuspendedAll). */
const FOLLOW_AT_ONCE = 4;

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The one line `resume --all` prints for an object once its run is over; false when it failed. */
function reportResumed(session: Session, view: ObjectView): boolean {
  const key = { kind: view.kind, namespace: view.namespace, name: view.name };
  const ready = readyCondition(view);
  if (ready?.status === "True") {
    const revision = revisionOf(view);
    session.log.done(`${describe(key)} resumed${revision ? ` at ${revision}` : ""}`);
    return true;
  }
  session.log.failed(
    `${describe(key)} resumed, but its run failed (${ready?.reason ?? "Unknown"}): ${ready?.message ?? "no result yet"}`,
  );
  return false;
}

/**
 * `suspend|resume <kind> --all`: every object of the kind in the namespace (all of them with -A),
 * one line each. Objects already in the wanted state are left alone, so resuming a kind does not
 * run the objects that were never suspended (Flux's patch is a no-op for them too).
 */
async function setSuspendedAll(
  session: Session,
  kind: KindInfo,
  suspend: boolean,
  options: SuspendOptions,
): Promise<void> {
  const everywhere = options.allNamespaces === true;
  const where = everywhere ? "" : ` in namespace ${session.namespace}`;
  const views = (
    await session.api().list({ kind: kind.kind, ...(everywhere ? {} : { namespace: session.namespace }) })
  )
    .filter((v) => v.kind === kind.kind)
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  if (views.length === 0) {
    session.log.warn(`no ${kind.kind} objects found${where}`);
    return;
  }
  const changed: { key: ObjectKey; requestedAt?: string }[] = [];
  for (const view of views) {
    const key = keyOf(kind, view.namespace, view.name);
    if (view.suspended === suspend) {
      session.log.done(`${describe(key)} was ${suspend ? "already suspended" : "not suspended"}; left as is`);
    } else if (suspend) {
      await session.api().suspend(key);
      session.log.done(`${describe(key)} suspended`);
    } else {
      const { requestedAt } = await session.api().resume(key);
      changed.push({ key, ...(requestedAt ? { requestedAt } : {}) });
      if (!options.wait) session.log.done(`${describe(key)} resumed`);
    }
  }
  if (suspend || !options.wait || changed.length === 0) return;

  // Every run is asked for first, so the runtime works through them with its own concurrency
  // (and a dependency and its dependents get going together). Following them is bounded: each
  // poll is an API request (a Lambda invocation on AWS), and a handful at once already ends
  // with the slowest run instead of the sum of them all.
  const requests: { key: ObjectKey; requestedAt: string }[] = [];
  for (const { key, requestedAt } of changed)
    requests.push({ key, requestedAt: requestedAt ?? (await session.api().reconcile(key)).requestedAt });
  session.log.waiting(`waiting for ${changed.length} ${kind.kind} run${changed.length === 1 ? "" : "s"}`);
  let failed = 0;
  await eachLimited(requests, FOLLOW_AT_ONCE, async ({ key, requestedAt }) => {
    try {
      if (!reportResumed(session, await waitForReconcile(session, key, requestedAt))) failed++;
    } catch (error) {
      // A timeout names the object already; the others are still worth following.
      if (!(error instanceof CliError) || error.reason !== "Timeout") throw error;
      session.log.failed(error.message);
      failed++;
    }
  });
  if (failed > 0)
    throw new CliError(
      "Failed",
      `${failed} of ${changed.length} resumed ${kind.kind} objects are not ready`,
      {
        hint: `see \`sluice get all ${everywhere ? "-A" : `-n ${session.namespace}`} --status-selector ready=false\``,
      },
    );
}

function setSuspendedCommand(
  session: Session,
  kind: KindInfo,
  names: readonly string[],
  suspend: boolean,
  options: SuspendOptions,
): Promise<void> {
  checkTargets(kind, suspend ? "suspend" : "resume", names, options);
  if (options.all) return setSuspendedAll(session, kind, suspend, options);
  return setSuspended(session, kind, names, suspend, options.wait === true);
}

/** `sluice suspend` and `sluice resume`, by name or with --all, as `flux suspend|resume`. */
export function registerSuspend(program: Command, deps: CliDeps): void {
  const suspendCmd = program
    .command("suspend")
    .description("stop reconciling objects until they are resumed")
    .addHelpText(
      "after",
      examples(
        "sluice suspend kustomization apps",
        "sluice suspend source git podinfo",
        "sluice suspend kustomization --all -A",
      ),
    );
  addKindCommands(suspendCmd, {
    setup: (command, kind) =>
      command
        .argument("[names...]", `one or more ${kind.kind} names (or --all)`)
        .option("--all", `every ${kind.kind} in the namespace`)
        .option("-A, --all-namespaces", "with --all: in every namespace")
        .addHelpText(
          "after",
          examples(
            `sluice suspend ${kind.command.join(" ")} first second`,
            `sluice suspend ${kind.command.join(" ")} --all -n flux-system`,
          ),
        )
        .action(async (names: string[], options: SuspendOptions, cmd: Command) =>
          setSuspendedCommand(sessionOf(deps, cmd), kind, names, true, { ...options, wait: false }),
        ),
  });

  const resumeCmd = program
    .command("resume")
    .description("reconcile suspended objects again, and wait for their first run")
    .addHelpText(
      "after",
      examples(
        "sluice resume kustomization apps",
        "sluice resume source git podinfo --no-wait",
        "sluice resume kustomization --all -A",
      ),
    );
  addKindCommands(resumeCmd, {
    setup: (command, kind) =>
      command
        .argument("[names...]", `one or more ${kind.kind} names (or --all)`)
        .option("--all", `every suspended ${kind.kind} in the namespace`)
        .option("-A, --all-namespaces", "with --all: in every namespace")
        .option("--no-wait", "return once resumed, without waiting for the run")
        .addHelpText(
          "after",
          examples(
            `sluice resume ${kind.command.join(" ")} first second`,
            `sluice resume ${kind.command.join(" ")} --all -n flux-system`,
          ),
        )
        .action(async (names: string[], options: SuspendOptions, cmd: Command) =>
          setSuspendedCommand(sessionOf(deps, cmd), kind, names, false, options),
        ),
  });
}
