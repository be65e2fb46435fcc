import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SecretsManagerSecretStore } from "../../shared/adapters/aws/secrets-manager-secret-store.ts";
import { FileSecretStore, secretEnvName } from "../../shared/adapters/local/file-secret-store.ts";
import { isPortError } from "../../shared/ports/errors.ts";
import type { SecretRef } from "../../shared/ports/secrets.ts";
import { secretStoreContract } from "../contract/secret-store.contract.ts";
import { awsClientConfig } from "../env/context.ts";
import { tempDir } from "../helpers/temp-dir.ts";

async function writeSecretFile(dir: string, ref: SecretRef, ext: "yaml" | "json", text: string) {
  await mkdir(join(dir, ref.namespace), { recursive: true });
  await writeFile(join(dir, ref.namespace, `${ref.name}.${ext}`), text);
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

secretStoreContract("FileSecretStore", async () => {
  const dir = await tempDir("sluice-secrets-");
  return {
    store: new FileSecretStore({ dir, env: {} }),
    // The shape `kubectl get secret -o yaml` prints: values base64-encoded under `data`.
    put: (ref, values) =>
      writeSecretFile(
        dir,
        ref,
        "yaml",
        stringify({
          apiVersion: "v1",
          kind: "Secret",
          metadata: ref,
          data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, base64(v)])),
        }),
      ),
    putRaw: (ref, raw) => writeSecretFile(dir, ref, "yaml", raw),
  };
});

secretStoreContract("SecretsManagerSecretStore (moto)", async () => {
  const client = new SecretsManagerClient(awsClientConfig());
  const store = new SecretsManagerSecretStore({ client, prefix: `test-${randomUUID()}/` });
  const create = (ref: SecretRef, SecretString: string) =>
    client.send(new CreateSecretCommand({ Name: store.secretId(ref), SecretString })).then(() => undefined);
  return {
    store,
    put: (ref, values) => create(ref, JSON.stringify(values)),
    putRaw: create,
  };
});

describe("FileSecretStore", () => {
  const ref = { namespace: "flux-system", name: "prod-kubeconfig" };

  it("reads a plain map of strings", async () => {
    const dir = await tempDir("sluice-secrets-");
    await writeSecretFile(dir, ref, "yaml", "value: |\n  apiVersion: v1\nother: 'x'\n");
    const store = new FileSecretStore({ dir, env: {} });
    expect(await store.get(ref)).toEqual({ value: "apiVersion: v1\n", other: "x" });
  });

  it("merges data and stringData of a Secret manifest, stringData winning as in Kubernetes", async () => {
    const dir = await tempDir("sluice-secrets-");
    const manifest = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: ref,
      data: { username: base64("from-data"), password: base64("old") },
      stringData: { password: "new" },
    };
    await writeSecretFile(dir, ref, "json", JSON.stringify(manifest));
    const store = new FileSecretStore({ dir, env: {} });
    expect(await store.get(ref)).toEqual({ username: "from-data", password: "new" });
  });

  it("accepts a Secret with no data at all", async () => {
    const dir = await tempDir("sluice-secrets-");
    await writeSecretFile(dir, ref, "yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n");
    expect(await new FileSecretStore({ dir, env: {} }).get(ref)).toEqual({});
  });

  it("rejects data that is not base64, naming the key and not the value", async () => {
    const dir = await tempDir("sluice-secrets-");
    await writeSecretFile(dir, ref, "yaml", "kind: Secret\ndata:\n  token: not*base64!\n");
    const error = await new FileSecretStore({ dir, env: {} }).get(ref).catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect((error as Error).message).toContain('"token"');
    expect((error as Error).message).toContain("prod-kubeconfig.yaml");
    expect((error as Error).message).not.toContain("not*base64!");
  });

  it("rejects an empty file and a secret defined as both .yaml and .json", async () => {
    const dir = await tempDir("sluice-secrets-");
    await writeSecretFile(dir, ref, "yaml", "");
    const store = new FileSecretStore({ dir, env: {} });
    await expect(store.get(ref)).rejects.toMatchObject({ reason: "Invalid" });
    await writeSecretFile(dir, ref, "yaml", "a: b\n");
    await writeSecretFile(dir, ref, "json", '{"a": "b"}');
    await expect(store.get(ref)).rejects.toMatchObject({ reason: "Invalid", message: /defined twice/ });
  });

  it("reads SLUICE_SECRET_<NAMESPACE>_<NAME> as JSON, ahead of a file", async () => {
    const dir = await tempDir("sluice-secrets-");
    await writeSecretFile(dir, ref, "yaml", "value: from-file\n");
    expect(secretEnvName(ref)).toBe("SLUICE_SECRET_FLUX_SYSTEM_PROD_KUBECONFIG");
    const env = { SLUICE_SECRET_FLUX_SYSTEM_PROD_KUBECONFIG: JSON.stringify({ value: "from-env\nline 2" }) };
    expect(await new FileSecretStore({ dir, env }).get(ref)).toEqual({ value: "from-env\nline 2" });
    expect(await new FileSecretStore({ dir, env: {} }).get(ref)).toEqual({ value: "from-file" });
  });

  it("rejects a malformed variable, naming the variable and not its content", async () => {
    const dir = await tempDir("sluice-secrets-");
    const env = { SLUICE_SECRET_FLUX_SYSTEM_PROD_KUBECONFIG: "token=abc123-s3cr3t" };
    const error = await new FileSecretStore({ dir, env }).get(ref).catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect((error as Error).message).toContain("SLUICE_SECRET_FLUX_SYSTEM_PROD_KUBECONFIG");
    expect((error as Error).message).not.toContain("abc123");
  });
});

describe("SecretsManagerSecretStore", () => {
  const ref = { namespace: "flux-system", name: "webhook-token" };

  it("names secrets <prefix><namespace>/<name>", () => {
    const store = new SecretsManagerSecretStore({
      client: new SecretsManagerClient(awsClientConfig()),
      prefix: "sluice/",
    });
    expect(store.secretId(ref)).toBe("sluice/flux-system/webhook-token");
  });

  it("reads a binary secret as UTF-8 JSON", async () => {
    const client = new SecretsManagerClient(awsClientConfig());
    const store = new SecretsManagerSecretStore({ client, prefix: `test-${randomUUID()}/` });
    const SecretBinary = new TextEncoder().encode(JSON.stringify({ token: "bin—ärY" }));
    await client.send(new CreateSecretCommand({ Name: store.secretId(ref), SecretBinary }));
    expect(await store.get(ref)).toEqual({ token: "bin—ärY" });
  });

  it("sees only secrets under its own prefix", async () => {
    const client = new SecretsManagerClient(awsClientConfig());
    const mine = new SecretsManagerSecretStore({ client, prefix: `test-${randomUUID()}/` });
    const theirs = new SecretsManagerSecretStore({ client, prefix: `test-${randomUUID()}/` });
    await client.send(new CreateSecretCommand({ Name: theirs.secretId(ref), SecretString: '{"a":"b"}' }));
    expect(await mine.get(ref)).toBeUndefined();
    expect(await theirs.get(ref)).toEqual({ a: "b" });
  });

  it("reports an unreachable endpoint as Transient", async () => {
    // A port that was just free: nothing listens there, so the connection is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const client = new SecretsManagerClient({
      ...awsClientConfig(),
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
    });
    const store = new SecretsManagerSecretStore({ client, prefix: "sluice/" });
    const error = await store.get(ref).catch((e: unknown) => e);
    expect(isPortError(error, "Transient")).toBe(true);
    expect((error as Error).message).toContain("sluice/flux-system/webhook-token");
  });
});
