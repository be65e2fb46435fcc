// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${var}` text is what these tests substitute
import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import type { KubeObject } from "../../../shared/render/kube-object.ts";
import {
  resolvePostBuildVariables,
  substituteVariables,
  type VariableLookup,
} from "../../../shared/render/post-build.ts";

const store: Record<string, Record<string, string>> = {
  "ConfigMap/first": { region: "eu-west-1", env: "dev\n" },
  "ConfigMap/second": { env: "staging" },
  "Secret/creds": { token: "s3cr3t-value" },
  "ConfigMap/bad-key": { "not.valid": "x" },
};
const lookup: VariableLookup = async ({ kind, name }) => store[`${kind}/${name}`];

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("resolvePostBuildVariables", () => {
  it("is undefined without postBuild", async () => {
    expect(await resolvePostBuildVariables({ path: "./" }, lookup)).toBeUndefined();
  });

  it("layers substituteFrom in order, then substitute on top, without newlines", async () => {
    const vars = await resolvePostBuildVariables(
      {
        postBuild: {
          substitute: { region: "us-east-1" },
          substituteFrom: [
            { kind: "ConfigMap", name: "first" },
            { kind: "ConfigMap", name: "second" },
            { kind: "Secret", name: "creds" },
            { kind: "ConfigMap", name: "absent", optional: true },
          ],
        },
      },
      lookup,
    );
    expect(vars).toEqual({ region: "us-east-1", env: "staging", token: "s3cr3t-value" });
  });

  it("names a missing required source, an invalid variable name and a bad field", async () => {
    const missing = { postBuild: { substituteFrom: [{ kind: "Secret", name: "absent" }] } };
    await expect(resolvePostBuildVariables(missing, lookup)).rejects.toThrow(
      /substitute from 'Secret\/absent' failed.*optional: true/,
    );
    const badKey = { postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "bad-key" }] } };
    await expect(resolvePostBuildVariables(badKey, lookup)).rejects.toThrow(
      /'not.valid' from ConfigMap\/bad-key/,
    );
    const badKind = { postBuild: { substituteFrom: [{ kind: "Pod", name: "x" }] } };
    const error = await resolvePostBuildVariables(badKind, lookup).catch((e) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect(error.field).toBe("spec.postBuild.substituteFrom[0].kind");
    await expect(resolvePostBuildVariables({ postBuild: { substitute: { n: 3 } } }, lookup)).rejects.toThrow(
      /spec.postBuild.substitute.n/,
    );
  });
});

const configMap = (name: string, data: Record<string, unknown>, annotations?: Record<string, string>) =>
  ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "apps", ...(annotations ? { annotations } : {}) },
    data,
  }) as KubeObject;

describe("substituteVariables", () => {
  it("substitutes over the YAML text, so values take their YAML type, and applies defaults", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app-${env}", labels: { region: "${region:=eu}", on: "on" } },
      spec: { replicas: "${replicas:=2}", paused: "${paused}", note: "${quote}${replicas:=2}${quote}" },
    } as KubeObject;
    const [out] = substituteVariables([deployment], { env: "prod", paused: "false", quote: '"' });
    expect(out).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app-prod", labels: { region: "eu", on: "on" } },
      spec: { replicas: 2, paused: false, note: "2" },
    });
  });

  it("keeps escaped and unbraced references, and skips objects with substitution disabled", () => {
    const script = configMap("script", { run: "echo $HOME $${HOME}\nexit 0" });
    const disabled = configMap(
      "raw",
      { x: "${undefined_var}" },
      { "kustomize.toolkit.fluxcd.io/substitute": "disabled" },
    );
    const [a, b] = substituteVariables([script, disabled], { any: "1" });
    expect(a?.data).toEqual({ run: "echo $HOME ${HOME}\nexit 0" });
    expect(b).toBe(disabled);
  });

  it("does nothing when there are no variables at all, as Flux", () => {
    const object = configMap("c", { x: "${nothing}" });
    expect(substituteVariables([object], {})).toEqual([object]);
  });

  it("fails naming the variable and the object, never a value", () => {
    const error = caught(() =>
      substituteVariables([configMap("c", { x: "${token}", y: "${missing}" })], { token: "s3cr3t-value" }),
    );
    expect(error).toBeInstanceOf(ReconcileError);
    expect((error as ReconcileError).reason).toBe("BuildFailed");
    expect((error as Error).message).toMatch(/ConfigMap\/apps\/c: variable 'missing' is not set/);
    expect((error as Error).message).not.toContain("s3cr3t");
    const broken = caught(() =>
      substituteVariables([configMap("c", { x: "${token}" })], { token: "a: b: s3cr3t" }),
    );
    expect((broken as Error).message).toMatch(/ConfigMap\/apps\/c is not valid YAML/);
    expect((broken as Error).message).not.toContain("s3cr3t");
    const nameless = caught(() =>
      substituteVariables(
        [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "${n}" } } as KubeObject],
        {
          n: "",
        },
      ),
    );
    expect((nameless as Error).message).toMatch(/has no metadata.name/);
  });
});
