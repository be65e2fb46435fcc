import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KubeHttp } from "../apply/kube-http.ts";
import type { CliContext } from "./contexts.ts";
import type { Session } from "./session.ts";

/** One line of `sluice check`: what was checked, and when it failed, how to fix it. */
export interface CheckResult {
  readonly ok: boolean;
  readonly text: string;
  readonly fix?: string;
}

/** Lambda runs nodejs24.x; sluice uses what that release has (type stripping, node:sqlite). */
export const MIN_NODE_MAJOR = 24;
/** The layer's kubectl is 1.35, and kubectl supports servers one minor older or newer (and older, in practice, down to here). */
export const MIN_KUBERNETES = [1, 30] as const;

const run = promisify(execFile);

export function checkNode(version: string = process.versions.node): CheckResult {
  const major = Number(version.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? { ok: true, text: `Node.js ${version} (>=${MIN_NODE_MAJOR})` }
    : {
        ok: false,
        text: `Node.js ${version} is older than ${MIN_NODE_MAJOR}`,
        fix: "run sluice through npm (the project brings Node.js 24) or install Node.js 24",
      };
}

export async function checkTools(session: Session): Promise<CheckResult[]> {
  let tools: Awaited<ReturnType<Session["tools"]>>;
  try {
    tools = await session.tools();
  } catch (error) {
    return [
      {
        ok: false,
        text: `kubectl and helm not found: ${(error as Error).message}`,
        fix: "install unzip (apt-get install unzip) so the layer's binaries can be unpacked, or set SLUICE_KUBECTL and SLUICE_HELM",
      },
    ];
  }
  const probe = async (name: string, file: string, args: string[], parse: (out: string) => string) => {
    try {
      const { stdout } = await run(file, args, { timeout: 20_000 });
      return { ok: true, text: `${name} ${parse(stdout)} (${file})` };
    } catch (error) {
      return {
        ok: false,
        text: `${name} at ${file} does not run: ${(error as Error).message.split("\n")[0]}`,
        fix: `set ${name === "kubectl" ? "SLUICE_KUBECTL" : "SLUICE_HELM"} to a working binary, or remove ~/.cache/sluice to unpack it again`,
      };
    }
  };
  return Promise.all([
    probe("kubectl", tools.kubectl, ["version", "--client", "-o", "json"], (out) => {
      const parsed = JSON.parse(out) as { clientVersion?: { gitVersion?: string } };
      return parsed.clientVersion?.gitVersion ?? "unknown version";
    }),
    probe("helm", tools.helm, ["version", "--short"], (out) => out.trim().replace(/\+g[0-9a-f]+$/, "")),
  ]);
}

export async function checkAws(context: CliContext): Promise<CheckResult[]> {
  const aws = context.aws;
  if (!aws) return [];
  const results: CheckResult[] = [{ ok: true, text: `AWS region ${aws.region} (context ${context.name})` }];
  const [{ STSClient, GetCallerIdentityCommand }, { fromNodeProviderChain }] = await Promise.all([
    import("@aws-sdk/client-sts"),
    import("@aws-sdk/credential-providers"),
  ]);
  const sts = new STSClient({
    region: aws.region,
    credentials: fromNodeProviderChain(aws.profile ? { profile: aws.profile } : {}),
  });
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    results.push({ ok: true, text: `AWS credentials: ${identity.Arn ?? identity.Account ?? "valid"}` });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? String(error);
    const expired = /expired/i.test(message) || (error as { name?: string }).name === "ExpiredTokenException";
    results.push({
      ok: false,
      text: `AWS credentials${aws.profile ? ` (profile ${aws.profile})` : ""} ${expired ? "have expired" : "do not work"}: ${message}`,
      fix: aws.profile
        ? `refresh them: aws sso login --profile ${aws.profile} (or fix the profile in ~/.aws/config)`
        : "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login",
    });
  } finally {
    sts.destroy();
  }
  return results;
}

function versionAtLeast(gitVersion: string, min: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

export async function checkCluster(session: Session): Promise<CheckResult> {
  const minimum = `>=${MIN_KUBERNETES.join(".")}.0`;
  let http: KubeHttp;
  try {
    http = new KubeHttp(await session.kubeConfig(), { maxSockets: 1 });
  } catch (error) {
    return {
      ok: false,
      text: `no target cluster: ${(error as Error).message}`,
      fix: "pass --kubeconfig, set KUBECONFIG, or add kubeconfig: to the context",
    };
  }
  try {
    const version = await http.send<{ gitVersion?: string }>({
      method: "GET",
      path: "/version",
      signal: AbortSignal.timeout(15_000),
    });
    const gitVersion = version?.gitVersion ?? "unknown";
    return versionAtLeast(gitVersion, MIN_KUBERNETES)
      ? { ok: true, text: `Kubernetes ${gitVersion} (${minimum}) at ${http.server}` }
      : {
          ok: false,
          text: `Kubernetes ${gitVersion} at ${http.server} is older than ${minimum}`,
          fix: "upgrade the cluster, or target another one",
        };
  } catch (error) {
    return {
      ok: false,
      text: `the target cluster is not reachable: ${(error as Error).message}`,
      fix: "check the kubeconfig's server and credentials (e.g. aws eks update-kubeconfig), and the network",
    };
  } finally {
    http.close();
  }
}

export async function checkApi(session: Session): Promise<CheckResult> {
  try {
    await session.api().health();
    return {
      ok: true,
      text: `sluice API at ${session.context().url} answers (context ${session.context().name})`,
    };
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    return { ok: false, text: (error as Error).message, ...(hint ? { fix: hint } : {}) };
  }
}
