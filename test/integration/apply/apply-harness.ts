import { randomUUID } from "node:crypto";
import { onTestFinished } from "vitest";
import { ClusterClient } from "../../../shared/apply/cluster-client.ts";
import { KubeHttp } from "../../../shared/apply/kube-http.ts";
import type { KubeObject } from "../../../shared/render/kube-object.ts";
import { adminKubeConfig } from "../../env/context.ts";

export const signal = new AbortController().signal;

/** A fresh client, so its counts cover only what the test does with it. */
export function client(): ClusterClient {
  const c = new ClusterClient(adminKubeConfig());
  onTestFinished(() => c.close());
  return c;
}

/** A unique namespace name; its deletion is registered (nothing runs the namespace controller, so it is cheap). */
export function namespaceName(): string {
  const name = `t-${randomUUID().slice(0, 8)}`;
  onTestFinished(async () => {
    const c = new ClusterClient(adminKubeConfig());
    await c.delete({ apiVersion: "v1", kind: "Namespace", name }, { signal }).catch(() => undefined);
    c.close();
  });
  return name;
}

/** Creates the namespace outside the set under test. */
export async function createNamespace(): Promise<string> {
  const name = namespaceName();
  const c = client();
  await c.apply(namespace(name), { signal });
  return name;
}

export function namespace(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

export function configMap(
  ns: string,
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    data,
  };
}

export function deployment(
  ns: string,
  name: string,
  image = "nginx:1.27",
  replicas: unknown = 1,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image }] },
      },
    },
  };
}

export function service(ns: string, name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

export function secret(ns: string, name: string, stringData: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, type: "Opaque", stringData };
}

/** Reads a live object through a separate client. */
export async function live(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">) {
  const c = client();
  const { namespace, name } = object.metadata;
  return c.get(
    { apiVersion: object.apiVersion, kind: object.kind, ...(namespace ? { namespace } : {}), name },
    { signal },
  );
}

/** Changes a live object the way `kubectl edit` does: a merge patch under kubectl's field manager. */
export async function handEdit(path: string, patch: unknown): Promise<void> {
  const http = new KubeHttp(adminKubeConfig(), { maxSockets: 1 });
  try {
    await http.send({
      method: "PATCH",
      path,
      query: { fieldManager: "kubectl-edit" },
      body: patch,
      contentType: "application/merge-patch+json",
      signal,
    });
  } finally {
    http.close();
  }
}
