import type { ObjectView } from "../../shared/cli/api-client.ts";

/** What the API answers for an object, in flux-system, with whatever a test sets on top. */
export function objectView(kind: string, name: string, extra: Partial<ObjectView> = {}): ObjectView {
  return {
    kind,
    namespace: "flux-system",
    name,
    apiVersion: "v1",
    generation: 1,
    suspended: false,
    nextRunAt: null,
    status: {},
    ...extra,
  };
}
