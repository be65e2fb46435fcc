import { generateKeyPairSync, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SecretRef, SecretStore } from "../../shared/ports/secrets.ts";
import { portErrorOf } from "../helpers/port-error.ts";

/** One adapter under test, with a way to seed its backing store directly. */
export interface SecretStoreFixture {
  readonly store: SecretStore;
  /** Stores `values` under `ref` the way an operator would for this adapter. */
  put(ref: SecretRef, values: Readonly<Record<string, string>>): Promise<void>;
  /** Stores `raw` under `ref` as-is: text the adapter has to reject. */
  putRaw(ref: SecretRef, raw: string): Promise<void>;
}

/** Every text an error carries: its message and its cause chain. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? `${e.message} ${e.stack ?? ""}` : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join("\n");
}

/**
 * The SecretStore contract: every adapter (files, Secrets Manager) must pass it. `setup` is called
 * inside each test, so it may use per-test helpers such as tempDir().
 */
export function secretStoreContract(name: string, setup: () => Promise<SecretStoreFixture>): void {
  const ref = (name = "app-credentials"): SecretRef => ({ namespace: "flux-system", name });

  describe(`SecretStore contract: ${name}`, () => {
    it("returns the key/value pairs of a stored secret", async () => {
      const f = await setup();
      await f.put(ref(), { username: "deploy", password: "hunter2" });
      expect(await f.store.get(ref())).toEqual({ username: "deploy", password: "hunter2" });
    });

    it("returns undefined for a secret that does not exist", async () => {
      const f = await setup();
      await f.put(ref("other"), { a: "b" });
      expect(await f.store.get(ref("missing"))).toBeUndefined();
      expect(await f.store.get({ namespace: "apps", name: "other" })).toBeUndefined();
    });

    it("keeps secrets of the same name in different namespaces apart", async () => {
      const f = await setup();
      await f.put({ namespace: "team-a", name: "db" }, { password: "a" });
      await f.put({ namespace: "team-b", name: "db" }, { password: "b" });
      expect(await f.store.get({ namespace: "team-a", name: "db" })).toEqual({ password: "a" });
      expect(await f.store.get({ namespace: "team-b", name: "db" })).toEqual({ password: "b" });
    });

    it("returns values with special characters and multi-line PEM byte for byte", async () => {
      const f = await setup();
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const values = {
        "tls.key": pem,
        "value.yaml": "apiVersion: v1\nkind: Config\n# comment: with colon\n",
        quotes: `it's "quoted" \\ back\\slash $HOME \${VAR} %s`,
        unicode: "päss—wörd ✓ 秘密",
        spaces: "  leading and trailing  ",
        yamlish: "- not: [a, list]\n? also: not\n",
        "--dash": "true",
        empty: "",
      };
      await f.put(ref("special"), values);
      expect(await f.store.get(ref("special"))).toEqual(values);
    });

    it("rejects a value that is not a map of strings as Invalid, naming the secret only", async () => {
      const f = await setup();
      const marker = `s3cr3t-${randomUUID()}`;
      await f.putRaw(ref("garbage"), `{"password": "${marker}", "unterminated: [`);
      const error = await portErrorOf(f.store.get(ref("garbage")));
      expect(error.reason).toBe("Invalid");
      expect(error.message).toContain("flux-system");
      expect(error.message).toContain("garbage");
      expect(errorText(error)).not.toContain(marker);
    });

    it("rejects a map with a non-string value without echoing any value", async () => {
      const f = await setup();
      const marker = `s3cr3t-${randomUUID()}`;
      await f.putRaw(ref("numbers"), JSON.stringify({ token: marker, port: 80_443_917 }));
      const error = await portErrorOf(f.store.get(ref("numbers")));
      expect(error.reason).toBe("Invalid");
      expect(error.message).toContain("numbers");
      expect(errorText(error)).not.toContain(marker);
      expect(errorText(error)).not.toContain("80443917");
    });

    it("rejects a value that is not an object as Invalid", async () => {
      const f = await setup();
      await f.putRaw(ref("list"), JSON.stringify(["a", "b"]));
      const error = await portErrorOf(f.store.get(ref("list")));
      expect(error.reason).toBe("Invalid");
      expect(error.message).toContain("list");
    });

    it("refuses a reference that is not a Kubernetes name", async () => {
      const f = await setup();
      for (const bad of [
        { namespace: "flux-system", name: "../../etc/passwd" },
        { namespace: "a/b", name: "c" },
        { namespace: "flux-system", name: "" },
      ]) {
        const error = await portErrorOf(f.store.get(bad));
        expect(error.reason).toBe("Invalid");
      }
    });
  });
}
