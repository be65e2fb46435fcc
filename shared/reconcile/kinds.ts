import { type KustomizationDeps, KustomizationReconciler } from "../kustomization/reconciler.ts";
import { ReceiverReconciler } from "../notify/receiver-reconciler.ts";
import type { BucketConnector, RegistryLogin } from "../ports/index.ts";
import { BucketReconciler } from "../sources/bucket/reconciler.ts";
import { GitRepositoryReconciler } from "../sources/git/reconciler.ts";
import { HelmChartReconciler } from "../sources/helm/helm-chart.ts";
import { HelmRepositoryReconciler } from "../sources/helm/helm-repository.ts";
import { OCIRepositoryReconciler } from "../sources/oci/reconciler.ts";
import type { SourceDeps } from "../sources/source-deps.ts";
import { ReconcilerRegistry } from "./registry.ts";

/** The ports the built-in reconcilers run on; each runtime passes its adapters. */
export interface BuiltInDeps extends SourceDeps, KustomizationDeps {
  readonly buckets: BucketConnector;
  /** Cloud registry logins (ECR) for OCI sources with `provider: aws`. */
  readonly registryLogin?: RegistryLogin;
}

/**
 * The reconcilers this build of sluice ships. Kinds arrive with their issues (HelmRelease,
 * alerts, image automation); until then an object of such a kind is reported Stalled with
 * reason UnsupportedKind rather than ignored.
 */
export function builtInReconcilers(deps: BuiltInDeps): ReconcilerRegistry {
  return new ReconcilerRegistry([
    new GitRepositoryReconciler(deps),
    new BucketReconciler(deps),
    new OCIRepositoryReconciler(deps),
    new HelmRepositoryReconciler(deps),
    new HelmChartReconciler(deps),
    new KustomizationReconciler(deps),
    new ReceiverReconciler(deps),
  ]);
}
