import { fileURLToPath } from "node:url";
import type { RootSourceConfig } from "../control/root-config.ts";
import { formatKey } from "../ports/index.ts";
import type { SyncReport } from "./dev-sync.ts";

/**
 * The words `npm start` prints once its development cluster is synced. What they name in the
 * example (the greeting ConfigMap and its text) mirrors examples/quickstart/apps/greeting.yaml.
 */
export const EXAMPLE_GREETING = {
  namespace: "podinfo-demo",
  name: "greeting",
  key: "message",
  text: "Hello from sluice",
} as const;

/** Single quotes for a shell line, whatever the value holds. */
function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** What the root brought into the cluster, one Kustomization after the other. */
export function syncSummary(report: SyncReport, root: RootSourceConfig): string[] {
  const lines = [`synced ${report.revision} of ${root.url}, path ${root.path ?? "./"}:`];
  for (const { key, objects } of report.kustomizations) {
    lines.push(`  ${formatKey(key)}`);
    for (const object of objects) lines.push(`    ${object}`);
    if (objects.length === 0) lines.push("    (nothing)");
  }
  return lines;
}

export interface PushGuideOptions {
  /** sluice's API, http://127.0.0.1:<port> */
  readonly apiUrl: string;
  /** The repository's URL with credentials. */
  readonly cloneUrl: string;
  /** The development cluster's kubeconfig. */
  readonly kubeconfig: string;
  /** A kubectl to look with (the one sluice unpacked, or plain `kubectl`). */
  readonly kubectl: string;
}

/** Where `npx sluice` finds its command: this project's folder. */
const PROJECT_DIR = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Exactly how to push a change to the example and watch it land, as lines to copy. */
export function pushGuide(options: PushGuideOptions): string[] {
  const { namespace, name, key, text } = EXAMPLE_GREETING;
  const kubectl = `${quote(options.kubectl)} --kubeconfig ${quote(options.kubeconfig)}`;
  // The CLI talks to 127.0.0.1:9292 unless told otherwise.
  const api = options.apiUrl === "http://127.0.0.1:9292" ? "" : ` --api-url ${options.apiUrl}`;
  const folder =
    new URL(options.cloneUrl).pathname
      .split("/")
      .pop()
      ?.replace(/\.git$/, "") ?? "quickstart";
  return [
    "how to push a change:",
    `  cd "$(mktemp -d)" && git clone ${quote(options.cloneUrl)} && cd ${folder}`,
    `  sed -i 's/${text}/Hello from Git/' apps/greeting.yaml     # or edit it in any editor`,
    '  git commit -am "A new greeting" && git push',
    "  (git may first ask who you are: git config --global user.email you@example.com)",
    "how to watch it land: sluice fetches the repository every minute and prints what it applies",
    `here; to fetch at once and wait for the result, with the sluice CLI (from ${quote(PROJECT_DIR)}):`,
    `  npx sluice reconcile kustomization apps --with-source${api}`,
    "then look at the cluster, or at sluice's view of it:",
    `  ${kubectl} -n ${namespace} get configmap ${name} -o jsonpath='{.data.${key}}'`,
    `  npx sluice get all${api}`,
    `  npx sluice events --for Kustomization/apps${api}`,
  ];
}

/** Where the development cluster is, for anyone who wants to look around in it. */
export function clusterGuide(options: Pick<PushGuideOptions, "kubeconfig" | "kubectl">): string[] {
  return [
    "the development cluster (an API server alone: no nodes, no controllers, so no pods run; it",
    "starts empty on every start and sluice applies Git to it again):",
    `  ${quote(options.kubectl)} --kubeconfig ${quote(options.kubeconfig)} get all -A`,
  ];
}
