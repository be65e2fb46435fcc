import type { Command } from "commander";
import { stringify } from "yaml";
import {
  alert,
  alertProvider,
  bucket,
  type Common,
  gitRepository,
  helmRepository,
  kustomization,
  type NewObject,
  ociRepository,
  receiver,
} from "../create-manifests.ts";
import { yamlDocuments } from "../output/manifest.ts";
import type { CliDeps, Session } from "../session.ts";
import { collect, describe, examples, sessionOf } from "./common.ts";
import { reportResult, waitForGeneration } from "./wait.ts";

interface CreateFlags {
  readonly export?: boolean;
  readonly label?: string[];
  /** Not `--no-wait`: a Kustomization's own `--wait` (spec.wait) has that name. */
  readonly detach?: boolean;
}

/**
 * Prints the manifest (--export, what a GitOps user commits) or registers it and follows its
 * first run at that generation.
 */
async function createOrExport(session: Session, object: NewObject, flags: CreateFlags): Promise<void> {
  if (flags.export) {
    session.term.out(yamlDocuments([object]));
    return;
  }
  const key = { kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
  session.log.doing(`registering ${describe(key)}`);
  const view = await session.api().put(key, stringify(object));
  session.log.done(`${describe(key)} registered (generation ${view.generation})`);
  if (flags.detach) return;
  session.log.waiting(`waiting for ${describe(key)} to reconcile`);
  reportResult(session, await waitForGeneration(session, key, view.generation));
}

type Builder<F> = (flags: F & Common) => NewObject;

/** Wires one `create` leaf: name argument, shared flags, its own flags, the builder. */
function leaf<F>(
  parent: Command,
  deps: CliDeps,
  spec: {
    name: string;
    alias?: string;
    description: string;
    example: string[];
    options: (command: Command) => Command;
    build: Builder<F>;
  },
): void {
  const command = parent.command(spec.name).description(spec.description);
  if (spec.alias) command.alias(spec.alias);
  spec
    .options(command.argument("<name>", "the object's name"))
    .option("--label <key=value>", "a label for the object (repeatable)", collect)
    .option("--export", "print the manifest (YAML) instead of registering it")
    .option("--detach", "return once registered, without waiting for its first run")
    .addHelpText("after", examples(...spec.example))
    .action(async (name: string, flags: F & CreateFlags, cmd: Command) => {
      const session = sessionOf(deps, cmd);
      // Only the command's own flags: the global ones (--timeout, --kubeconfig) are not fields.
      const object = spec.build({
        ...(cmd.opts() as F),
        name,
        namespace: session.namespace,
        ...(flags.label ? { labels: flags.label } : {}),
      });
      await createOrExport(session, object, flags);
    });
}

export function registerCreate(program: Command, deps: CliDeps): void {
  const create = program
    .command("create")
    .description("register a source, Kustomization, Receiver, Alert or Provider (or print it with --export)")
    .addHelpText(
      "after",
      examples(
        "sluice create source git podinfo --url https://github.com/stefanprodan/podinfo --branch master --export > podinfo.yaml",
        "sluice create kustomization podinfo --source GitRepository/podinfo --path ./kustomize --prune",
      ),
    );
  const source = create
    .command("source")
    .description("register a source: git, bucket, oci, helm")
    .addHelpText(
      "after",
      examples("sluice create source git podinfo --url https://github.com/stefanprodan/podinfo --export"),
    );

  leaf(source, deps, {
    name: "git",
    description: "a GitRepository: a branch, tag, semver range or commit of a Git repository",
    example: [
      "sluice create source git podinfo --url https://github.com/stefanprodan/podinfo --tag-semver '>=6.0.0'",
      "sluice create source git fleet --url https://git.example.com/fleet.git --branch main --secret-ref git-auth --export",
    ],
    options: (c) =>
      c
        .option("--url <url>", "the repository's HTTPS URL")
        .option("--branch <branch>", "follow a branch (default master)")
        .option("--tag <tag>", "a fixed tag")
        .option("--tag-semver <range>", "the newest tag in a semver range")
        .option("--commit <sha>", "a fixed commit")
        .option("--ref-name <ref>", "a full Git reference, e.g. refs/pull/42/head")
        .option("--interval <duration>", "how often to look for changes", "1m")
        .option("--secret-ref <name>", "secret with username/password or bearerToken")
        .option("--ignore-paths <paths>", "comma-separated gitignore patterns to leave out"),
    build: gitRepository,
  });
  leaf(source, deps, {
    name: "bucket",
    description: "a Bucket: the objects of an S3-compatible bucket",
    example: [
      "sluice create source bucket manifests --bucket-name deploy --endpoint minio.example.com --secret-ref minio",
      "sluice create source bucket manifests --provider aws --bucket-name deploy --region eu-west-1",
    ],
    options: (c) =>
      c
        .option("--bucket-name <name>", "the bucket")
        .option("--endpoint <host>", "the S3 endpoint (generic provider)")
        .option("--provider <provider>", "generic or aws", "generic")
        .option("--region <region>", "the bucket's region")
        .option("--prefix <prefix>", "only keys under this prefix")
        .option("--insecure", "use plain HTTP")
        .option("--interval <duration>", "how often to look for changes", "1m")
        .option("--secret-ref <name>", "secret with accesskey/secretkey")
        .option("--ignore-paths <paths>", "comma-separated gitignore patterns to leave out"),
    build: bucket,
  });
  leaf(source, deps, {
    name: "oci",
    description: "an OCIRepository: an artifact in an OCI registry",
    example: [
      "sluice create source oci podinfo --url oci://ghcr.io/stefanprodan/manifests/podinfo --tag latest",
    ],
    options: (c) =>
      c
        .option("--url <url>", "the artifact's oci:// URL")
        .option("--tag <tag>", "a tag")
        .option("--tag-semver <range>", "the newest tag in a semver range")
        .option("--digest <digest>", "a fixed digest")
        .option("--provider <provider>", "generic or aws (ECR)", "generic")
        .option("--insecure", "use plain HTTP")
        .option("--interval <duration>", "how often to look for changes", "1m")
        .option("--secret-ref <name>", "secret with .dockerconfigjson or username/password")
        .option("--ignore-paths <paths>", "comma-separated gitignore patterns to leave out"),
    build: ociRepository,
  });
  leaf(source, deps, {
    name: "helm",
    description: "a HelmRepository: a chart repository (HTTP index, or oci://)",
    example: ["sluice create source helm podinfo --url https://stefanprodan.github.io/podinfo"],
    options: (c) =>
      c
        .option("--url <url>", "the repository URL (https:// or oci://)")
        .option("--pass-credentials", "send the credentials to chart hosts too")
        .option("--interval <duration>", "how often to look for changes", "1m")
        .option("--secret-ref <name>", "secret with username/password"),
    build: helmRepository,
  });
  leaf(create, deps, {
    name: "kustomization",
    alias: "ks",
    description: "a Kustomization: keep a cluster matching a path of a source",
    example: [
      "sluice create kustomization podinfo --source GitRepository/podinfo --path ./kustomize --prune --target-namespace apps",
      "sluice create ks apps --source fleet --path ./apps --depends-on infra --health-check Deployment/web.apps --export",
    ],
    options: (c) =>
      c
        .option(
          "--source <Kind/name>",
          "the source: Kind/name or Kind/namespace/name (Kind defaults to GitRepository)",
        )
        .option("--path <path>", "the folder in the source to apply", "./")
        .option("--prune", "delete what leaves the source")
        .option("--interval <duration>", "how often to apply", "1m")
        .option("--retry-interval <duration>", "how soon to retry after a failure")
        .option("--target-namespace <namespace>", "put every namespaced object in this namespace")
        .option(
          "--depends-on <name>",
          "a Kustomization that must be ready first, name or namespace/name (repeatable)",
          collect,
        )
        .option("--wait", "wait for every applied object to be healthy")
        .option("--force", "recreate objects whose immutable fields changed")
        .option("--health-check <Kind/name.namespace>", "an object to wait for (repeatable)", collect)
        .option("--service-account <name>", "apply as this service account")
        .option("--kubeconfig-secret-ref <name>", "apply to the cluster of the kubeconfig in this secret"),
    build: kustomization,
  });
  leaf(create, deps, {
    name: "receiver",
    description: "a Receiver: a webhook that reconciles sources at once (e.g. on git push)",
    example: [
      "sluice create receiver github --type github --event push --resource GitRepository/podinfo --secret-ref webhook-token",
    ],
    options: (c) =>
      c
        .option(
          "--type <type>",
          "github, gitlab, bitbucket, generic, generic-hmac, harbor, dockerhub, quay, cdevents",
        )
        .option("--event <event>", "an event to act on (repeatable)", collect)
        .option("--resource <Kind/name>", "an object to reconcile (repeatable)", collect)
        .option("--secret-ref <name>", "secret with the webhook token"),
    build: receiver,
  });
  leaf(create, deps, {
    name: "alert-provider",
    description: "an alert Provider: where alerts go (Slack, Teams, a generic webhook, …)",
    example: ["sluice create alert-provider slack --type slack --channel deploys --secret-ref slack-url"],
    options: (c) =>
      c
        .option("--type <type>", "slack, msteams, discord, generic, github, …")
        .option("--channel <channel>", "the channel")
        .option("--username <name>", "who posts")
        .option("--address <url>", "the webhook or API address")
        .option("--secret-ref <name>", "secret with the address or token"),
    build: alertProvider,
  });
  leaf(create, deps, {
    name: "alert",
    description: "an Alert: which events go to a Provider",
    example: [
      "sluice create alert deploys --provider-ref slack --event-source 'Kustomization/*' --event-source GitRepository/podinfo",
    ],
    options: (c) =>
      c
        .option("--provider-ref <name>", "the Provider")
        .option("--event-severity <severity>", "info or error", "info")
        .option(
          "--event-source <Kind/name>",
          "objects whose events to send; name * for all (repeatable)",
          collect,
        ),
    build: alert,
  });
}
