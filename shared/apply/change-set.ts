import type { ObjectRef } from "./object-ref.ts";

export type ChangeAction = "created" | "configured" | "unchanged" | "deleted" | "skipped";

export interface ChangeSetEntry {
  /** `Kind/namespace/name`, see objectSubject. */
  readonly subject: string;
  readonly action: ChangeAction;
  readonly object?: ObjectRef;
}

/** Whether the entry records a change to the cluster (what Flux reports in its events). */
export function isChange(entry: ChangeSetEntry): boolean {
  return entry.action === "created" || entry.action === "configured" || entry.action === "deleted";
}

/**
 * The event text Flux writes after an apply or a prune: one `<subject> <action>` line per changed
 * object, in apply order. Unchanged and skipped objects are left out, as Flux leaves them out of
 * its events; an empty string means nothing changed.
 */
export function summarize(entries: readonly ChangeSetEntry[]): string {
  return entries
    .filter(isChange)
    .map((e) => `${e.subject} ${e.action}`)
    .join("\n");
}
