import type { KubeHttp } from "../../apply/kube-http.ts";
import { mapLimit } from "../../apply/map-limit.ts";
import { usageError } from "../errors.ts";

/** A kind the API server serves, found from what a user typed (`deploy`, `configmaps`, `Pod`). */
export interface ClusterKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

interface ResourceList {
  readonly groupVersion?: string;
  readonly resources?: readonly {
    name: string;
    singularName?: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
  }[];
}

interface GroupList {
  readonly groups?: readonly { name: string; preferredVersion?: { groupVersion: string } }[];
}

function matchIn(
  list: ResourceList | undefined,
  apiVersion: string,
  wanted: string,
): ClusterKind | undefined {
  for (const r of list?.resources ?? []) {
    if (r.name.includes("/")) continue;
    const words = [r.kind.toLowerCase(), r.name, r.singularName ?? "", ...(r.shortNames ?? [])];
    if (words.includes(wanted)) return { apiVersion, kind: r.kind, namespaced: r.namespaced };
  }
  return undefined;
}

/**
 * Finds a kind by its name, plural or short name, as kubectl does: the core group first, then
 * every group's preferred version. With `apiVersion`, only that group version is asked.
 */
export async function findClusterKind(
  http: KubeHttp,
  text: string,
  options: { readonly apiVersion?: string; readonly signal: AbortSignal },
): Promise<ClusterKind> {
  const wanted = text.toLowerCase();
  const get = <T>(path: string) => http.send<T>({ method: "GET", path, signal: options.signal });
  const pathOf = (gv: string) => (gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`);
  const versions = options.apiVersion
    ? [options.apiVersion]
    : [
        "v1",
        ...((await get<GroupList>("/apis")).groups ?? []).flatMap((g) =>
          g.preferredVersion ? [g.preferredVersion.groupVersion] : [],
        ),
      ];
  const lists = await mapLimit(versions, 8, async (gv) => ({
    gv,
    list: await get<ResourceList>(pathOf(gv)).catch(() => undefined),
  }));
  for (const { gv, list } of lists) {
    const found = matchIn(list, gv, wanted);
    if (found) return found;
  }
  throw usageError(
    `the cluster serves no kind called '${text}'${options.apiVersion ? ` in ${options.apiVersion}` : ""}`,
    "check the spelling (e.g. deployment, configmap, svc), or pass --api-version",
  );
}
