import { execFile } from "node:child_process";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { formatBytes } from "../sources/artifact/tarball.ts";

export interface KustomizeRun {
  readonly kubectl: string;
  /** The folder to build, absolute. */
  readonly dir: string;
  /** The artifact root, stripped from kustomize's messages so they show artifact paths. */
  readonly root: string;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
}

const MAX_MESSAGE = 2_000;

/** kustomize's error, shortened to what the user must fix and with artifact-relative paths. */
export function explainKustomizeError(stderr: string, root: string): string {
  let message = stderr.trim().replace(/^error:\s*/i, "");
  // Kustomize nests the real error inside its directory-vs-file fallback attempt.
  const nested = /accumulation err='(.*)': must build at directory: .*$/s.exec(message);
  if (nested?.[1]) message = `accumulating resources: ${nested[1]}`;
  message = message.replaceAll(`${root}/`, "").replaceAll(root, ".");
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}

/**
 * `kubectl kustomize` with load restrictions off, as Flux builds: the caller has already checked
 * that every reference stays inside the artifact. Output above `maxBytes` is refused.
 */
export function runKustomize(run: KustomizeRun): Promise<string> {
  const args = ["kustomize", run.dir, "--load-restrictor", "LoadRestrictionsNone"];
  return new Promise((resolve, reject) => {
    execFile(
      run.kubectl,
      args,
      {
        encoding: "buffer",
        maxBuffer: run.maxBytes,
        signal: run.signal,
        // kustomize needs nothing from our environment; keep credentials out of the child.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: run.root },
        cwd: run.root,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout.toString("utf8"));
        const code = (error as NodeJS.ErrnoException).code;
        if (run.signal.aborted)
          return reject(
            new ReconcileError(
              "BuildFailed",
              "kustomize build did not finish before the reconcile timeout; raise spec.timeout or simplify the kustomization",
            ),
          );
        if (code === "ENOENT" || code === "EACCES")
          return reject(
            new ReconcileError(
              "BuildFailed",
              `cannot run kubectl at '${run.kubectl}' (${code === "ENOENT" ? "not found" : "not executable"}): sluice builds Kustomizations with 'kubectl kustomize'; install kubectl or set SLUICE_KUBECTL`,
            ),
          );
        if (code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
          return reject(
            new ReconcileError(
              "SizeLimitExceeded",
              `kustomize build output exceeds the limit of ${formatBytes(run.maxBytes)}; split the Kustomization into smaller ones`,
            ),
          );
        const detail = explainKustomizeError(stderr.toString("utf8"), run.root);
        reject(new ReconcileError("BuildFailed", `kustomize build failed: ${detail || error.message}`));
      },
    );
  });
}
