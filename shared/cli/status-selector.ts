import type { ObjectView } from "./api-client.ts";
import { usageError } from "./errors.ts";
import { conditionsOf } from "./output/status.ts";

/** `get --status-selector ready=false`: keep the objects whose condition has this status. */
export interface StatusSelector {
  /** The condition type as typed; compared without regard to case, as Flux does. */
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
}

const STATUSES = { true: "True", false: "False", unknown: "Unknown" } as const;

/**
 * `<condition>=<status>`. A condition's status can only be True, False or Unknown, so anything
 * else is a typo worth stopping on (Flux would quietly match nothing).
 */
export function parseStatusSelector(text: string): StatusSelector {
  const at = text.indexOf("=");
  const type = at < 0 ? "" : text.slice(0, at).trim();
  const status =
    at < 0
      ? ""
      : text
          .slice(at + 1)
          .trim()
          .toLowerCase();
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(type) || !Object.hasOwn(STATUSES, status))
    throw usageError(
      `--status-selector must be <condition>=<status>, got '${text}'`,
      "for example ready=false, ready=unknown or stalled=true; the status is true, false or unknown",
    );
  return { type, status: STATUSES[status as keyof typeof STATUSES] };
}

/**
 * Whether the object's condition matches. An object without a Ready condition has not run yet,
 * and `get` shows it as READY Unknown, so `ready=unknown` finds it; any other missing condition
 * matches nothing, as in Flux (Stalled, for one, is removed rather than set to False).
 */
export function matchesStatus(view: Pick<ObjectView, "status">, selector: StatusSelector): boolean {
  const wanted = selector.type.toLowerCase();
  const condition = conditionsOf(view).find((c) => c.type.toLowerCase() === wanted);
  const status = condition?.status ?? (wanted === "ready" ? "Unknown" : undefined);
  return status?.toLowerCase() === selector.status.toLowerCase();
}
