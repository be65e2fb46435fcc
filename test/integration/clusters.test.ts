import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { EksClusterConnector } from "../../shared/adapters/aws/eks-cluster-connector.ts";
import { SecretsManagerSecretStore } from "../../shared/adapters/aws/secrets-manager-secret-store.ts";
import { FileSecretStore } from "../../shared/adapters/local/file-secret-store.ts";
import { KubeconfigClusterConnector } from "../../shared/adapters/local/kubeconfig-cluster-connector.ts";
import type { ClusterTarget } from "../../shared/ports/clusters.ts";
import type { SecretRef } from "../../shared/ports/secrets.ts";
import { awsClientConfig, testEnv } from "../env/context.ts";
import { portErrorOf } from "../helpers/port-error.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const secretRef: SecretRef = { namespace: "flux-system", name: "prod-kubeconfig" };
const target = (key = "value", ref = secretRef): ClusterTarget => ({
  type: "kubeconfig",
  secretRef: ref,
  key,
});

async function namespaces(kc: KubeConfig): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespace();
  return list.items.map((ns) => ns.metadata?.name ?? "");
}

/** A FileSecretStore in a fresh folder, with `put` writing Kubernetes Secret manifests. */
async function fileSecrets() {
  const dir = await tempDir("sluice-clusters-");
  const put = async (ref: SecretRef, stringData: Record<string, string>) => {
    await mkdir(join(dir, ref.namespace), { recursive: true });
    const manifest = { apiVersion: "v1", kind: "Secret", metadata: ref, stringData };
    await writeFile(join(dir, ref.namespace, `${ref.name}.yaml`), stringify(manifest));
  };
  return { store: new FileSecretStore({ dir, env: {} }), put };
}

/** A Secrets Manager store on moto under a prefix of its own. */
function motoSecrets() {
  const client = new SecretsManagerClient(awsClientConfig());
  const store = new SecretsManagerSecretStore({ client, prefix: `test-${randomUUID()}/` });
  const put = async (ref: SecretRef, values: Record<string, string>) => {
    await client.send(
      new CreateSecretCommand({ Name: store.secretId(ref), SecretString: JSON.stringify(values) }),
    );
  };
  return { store, put };
}

function eksConnector(secrets: FileSecretStore | SecretsManagerSecretStore, extra = {}) {
  const config = awsClientConfig();
  return new EksClusterConnector({
    eks: new EKSClient(config),
    credentials: config.credentials,
    region: config.region,
    secrets,
    ...extra,
  });
}

describe("kubeconfig targets on the real API server", () => {
  const adminKubeconfig = () => readFile(testEnv().kube.kubeconfig, "utf8");

  it("connects with a kubeconfig from a file secret", async () => {
    const { store, put } = await fileSecrets();
    await put(secretRef, { value: await adminKubeconfig() });
    const kc = await new KubeconfigClusterConnector({ secrets: store }).connect(target());
    expect(kc.getCurrentCluster()?.server).toBe(testEnv().kube.server);
    expect(await namespaces(kc)).toContain("kube-system");
  });

  it("connects with a kubeconfig from Secrets Manager, through either connector", async () => {
    const { store, put } = motoSecrets();
    await put(secretRef, { value: await adminKubeconfig() });
    const local = await new KubeconfigClusterConnector({ secrets: store }).connect(target());
    expect(await namespaces(local)).toContain("default");
    const aws = await eksConnector(store).connect(target());
    expect(await namespaces(aws)).toContain("default");
  });

  it("falls back to value.yaml for the default key, and reads a named key", async () => {
    const { store, put } = await fileSecrets();
    await put(secretRef, { "value.yaml": await adminKubeconfig() });
    const connector = new KubeconfigClusterConnector({ secrets: store });
    expect(await namespaces(await connector.connect(target("value")))).toContain("default");
    expect(await namespaces(await connector.connect(target("")))).toContain("default");
    await put(secretRef, { "prod.conf": await adminKubeconfig() });
    expect(await namespaces(await connector.connect(target("prod.conf")))).toContain("default");
  });

  it("keeps the namespace of the current context", async () => {
    const { store, put } = await fileSecrets();
    const config = parse(await adminKubeconfig());
    config.contexts[0].context.namespace = "apps";
    await put(secretRef, { value: stringify(config) });
    const kc = await new KubeconfigClusterConnector({ secrets: store }).connect(target());
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("apps");
  });

  it("reports a missing secret or key as NotFound, naming the secret", async () => {
    const { store, put } = await fileSecrets();
    const connector = new KubeconfigClusterConnector({ secrets: store });
    const absent = await portErrorOf(
      connector.connect(target("value", { namespace: "flux-system", name: "absent" })),
    );
    expect(absent.reason).toBe("NotFound");
    expect(absent.message).toBe("kubeconfig secret flux-system/absent not found");

    await put(secretRef, { other: await adminKubeconfig() });
    const noDefault = await portErrorOf(connector.connect(target("value")));
    expect(noDefault.reason).toBe("NotFound");
    expect(noDefault.message).toBe(
      'kubeconfig secret flux-system/prod-kubeconfig has no key "value" or "value.yaml"',
    );
    const noKey = await portErrorOf(connector.connect(target("custom")));
    expect(noKey.message).toBe('kubeconfig secret flux-system/prod-kubeconfig has no key "custom"');
  });

  it("rejects content that is not a usable kubeconfig as Invalid, without echoing it", async () => {
    const { store, put } = await fileSecrets();
    const connector = new KubeconfigClusterConnector({ secrets: store });
    const marker = `s3cr3t-${randomUUID()}`;
    const admin = parse(await adminKubeconfig());
    const withUser = (user: object) => stringify({ ...admin, users: [{ name: "admin", user }] });
    const cases = {
      "broken YAML": `apiVersion: v1\nusers: [{token: ${marker}\n`,
      "not a map": `just a string ${marker}`,
      "no current-context": stringify({ ...admin, "current-context": undefined, marker }),
      "an exec plugin": withUser({ exec: { command: "aws", args: [marker] }, token: marker }),
      "a token file": withUser({ tokenFile: `/var/run/${marker}` }),
      "an auth provider": withUser({ "auth-provider": { name: "oidc", config: { "id-token": marker } } }),
    };
    for (const [label, value] of Object.entries(cases)) {
      await put(secretRef, { value });
      const error = await portErrorOf(connector.connect(target()));
      expect(error.reason, label).toBe("Invalid");
      expect(error.message, label).toContain("kubeconfig secret flux-system/prod-kubeconfig");
      expect(error.message, label).not.toContain(marker);
      expect(error.message, label).not.toContain(testEnv().kube.token);
      expect(String(error.cause ?? ""), label).not.toContain(marker);
    }
  });

  it("connects the default target from a kubeconfig file, and says when the file is missing", async () => {
    const { store } = await fileSecrets();
    const kc = await new KubeconfigClusterConnector({
      secrets: store,
      defaultKubeconfig: testEnv().kube.kubeconfig,
    }).connect({ type: "default" });
    expect(await namespaces(kc)).toContain("kube-system");

    const missing = join(await tempDir(), "nope");
    const error = await portErrorOf(
      new KubeconfigClusterConnector({ secrets: store, defaultKubeconfig: missing }).connect({
        type: "default",
      }),
    );
    expect(error.reason).toBe("NotFound");
    expect(error.message).toContain(missing);
  });

  it("refuses EKS targets when no EKS connector is wired in", async () => {
    const { store } = await fileSecrets();
    const error = await portErrorOf(
      new KubeconfigClusterConnector({ secrets: store }).connect({ type: "eks", clusterName: "prod" }),
    );
    expect(error.reason).toBe("Invalid");
    expect(error.message).toContain("prod");
    expect(error.message).toContain("AWS adapters");
  });
});

describe("EKS targets on moto", () => {
  async function createCluster(): Promise<string> {
    const name = `sluice-${randomUUID().slice(0, 8)}`;
    await new EKSClient(awsClientConfig()).send(
      new CreateClusterCommand({
        name,
        roleArn: "arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig: { subnetIds: ["subnet-1", "subnet-2"] },
      }),
    );
    return name;
  }

  function expectTokenFor(kc: KubeConfig, clusterName: string, region: string) {
    const token = kc.getCurrentUser()?.token ?? "";
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
    expect(url.host).toBe(`sts.${region}.amazonaws.com`);
    expect(url.searchParams.get("Action")).toBe("GetCallerIdentity");
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toContain("x-k8s-aws-id");
    expect(kc.getCurrentContext()).toBe(clusterName);
  }

  it("builds a KubeConfig with the cluster's endpoint, CA and an IAM token", async () => {
    const name = await createCluster();
    const described = await new EKSClient(awsClientConfig()).send(new DescribeClusterCommand({ name }));
    const { store } = await fileSecrets();
    const kc = await eksConnector(store).connect({ type: "eks", clusterName: name });
    const cluster = kc.getCurrentCluster();
    expect(cluster?.server).toBe(described.cluster?.endpoint?.replace(/\/$/, ""));
    expect(cluster?.server).toMatch(/^https:\/\/.+\.eks\.amazonaws\.com$/);
    expect(cluster?.caData).toBe(described.cluster?.certificateAuthority?.data);
    expect(cluster?.skipTLSVerify).toBe(false);
    expectTokenFor(kc, name, awsClientConfig().region);
  });

  it("signs a fresh token per connect", async () => {
    const name = await createCluster();
    const { store } = await fileSecrets();
    let now = Date.UTC(2025, 0, 1);
    const connector = eksConnector(store, { clock: { now: () => now } });
    const first = (await connector.connect({ type: "eks", clusterName: name })).getCurrentUser()?.token;
    now += 60_000;
    const second = (await connector.connect({ type: "eks", clusterName: name })).getCurrentUser()?.token;
    expect(second).not.toBe(first);
  });

  it("reaches the EKS cluster through the local connector, and as the default cluster", async () => {
    const name = await createCluster();
    const { store } = await fileSecrets();
    const eks = eksConnector(store, { defaultClusterName: name });
    const viaLocal = await new KubeconfigClusterConnector({ secrets: store, eks }).connect({
      type: "eks",
      clusterName: name,
    });
    expectTokenFor(viaLocal, name, awsClientConfig().region);
    expectTokenFor(await eks.connect({ type: "default" }), name, awsClientConfig().region);
  });

  it("reports an unknown cluster as NotFound and another region as Invalid", async () => {
    const { store } = await fileSecrets();
    const connector = eksConnector(store);
    const missing = await portErrorOf(connector.connect({ type: "eks", clusterName: "no-such-cluster" }));
    expect(missing.reason).toBe("NotFound");
    expect(missing.message).toContain("no-such-cluster");
    const elsewhere = await portErrorOf(
      connector.connect({ type: "eks", clusterName: "prod", region: "ap-southeast-2" }),
    );
    expect(elsewhere.reason).toBe("Invalid");
    expect(elsewhere.message).toContain("ap-southeast-2");
  });

  it("says there is no default cluster rather than aiming at localhost", async () => {
    const { store } = await fileSecrets();
    const error = await portErrorOf(eksConnector(store).connect({ type: "default" }));
    expect(error.reason).toBe("Invalid");
    expect(error.message).toContain("no default cluster");
    expect(error.message).not.toContain("localhost");
  });

  it("uses the client for the target's region when one is given", async () => {
    const config = { ...awsClientConfig(), region: "eu-west-1" };
    const name = `sluice-${randomUUID().slice(0, 8)}`;
    await new EKSClient(config).send(
      new CreateClusterCommand({
        name,
        roleArn: "arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig: { subnetIds: ["subnet-1"] },
      }),
    );
    const { store } = await fileSecrets();
    const connector = eksConnector(store, {
      eksForRegion: (region: string) => new EKSClient({ ...config, region }),
    });
    const kc = await connector.connect({ type: "eks", clusterName: name, region: "eu-west-1" });
    expect(kc.getCurrentCluster()?.server).toContain(".eu-west-1.eks.amazonaws.com");
    expectTokenFor(kc, name, "eu-west-1");
  });
});
