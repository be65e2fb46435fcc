import type { ObjectKey } from "../../ports/object-key.ts";
import type { ObjectView } from "../api-client.ts";
import { CliError } from "../errors.ts";
import { conditionsOf, readyCondition, revisionOf } from "../output/status.ts";
import type { Session } from "../session.ts";
import { describe } from "./common.ts";

/**
 * Polls the object until `done` says so, printing what the object reports while it runs
 * (a retrying failure, say); a Timeout CliError after --timeout.
 */
async function pollUntil(
  session: Session,
  key: ObjectKey,
  done: (view: ObjectView) => boolean,
): Promise<ObjectView> {
  const deadline = Date.now() + session.timeoutMs;
  let shown = "";
  for (;;) {
    const view = await session.api().get(key);
    if (done(view)) return view;
    const reconciling = conditionsOf(view).find((c) => c.type === "Reconciling" && c.status === "True");
    const note = reconciling?.message ?? "";
    if (note && note !== shown && session.options.verbose) session.log.waiting(`still working: ${note}`);
    shown = note;
    if (Date.now() >= deadline)
      throw new CliError(
        "Timeout",
        `gave up waiting for ${describe(key)} after ${session.options.timeout}; it is still queued or running`,
        {
          hint: `follow it with \`sluice events --for ${key.kind}/${key.name} -n ${key.namespace} --watch\`, or wait longer with --timeout`,
        },
      );
    await session.sleep();
  }
}

/** Waits until a worker handled the request made at `requestedAt` (Flux's lastHandledReconcileAt). */
export function waitForReconcile(session: Session, key: ObjectKey, requestedAt: string): Promise<ObjectView> {
  return pollUntil(session, key, (view) => view.status.lastHandledReconcileAt === requestedAt);
}

/** Waits until a run has looked at `generation` (or a later one) and said how it went. */
export function waitForGeneration(session: Session, key: ObjectKey, generation: number): Promise<ObjectView> {
  return pollUntil(session, key, (view) => (readyCondition(view)?.observedGeneration ?? 0) >= generation);
}

/**
 * Prints how the run went: ✔ with the revision when Ready, else a Failed CliError carrying the
 * object's own message (so the exit code is 1).
 */
export function reportResult(session: Session, view: ObjectView): void {
  const ready = readyCondition(view);
  const key = { kind: view.kind, namespace: view.namespace, name: view.name };
  if (ready?.status === "True") {
    const revision = revisionOf(view);
    if (view.kind === "Kustomization" && revision) session.log.done(`applied revision ${revision}`);
    else if (revision && view.status.artifact) session.log.done(`fetched revision ${revision}`);
    else session.log.done(`${describe(key)} is ready: ${ready.message ?? ""}`.trimEnd());
    return;
  }
  throw new CliError(
    "Failed",
    `${describe(key)} is not ready (${ready?.reason ?? "Unknown"}): ${ready?.message ?? "no result yet"}`,
    {
      hint: `see \`sluice events --for ${view.kind}/${view.name} -n ${view.namespace}\``,
    },
  );
}
