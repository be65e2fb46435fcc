import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseDuration } from "../api/duration.ts";
import { locateTools, type Tools } from "../runtime/tools.ts";
import { ApiClient } from "./api-client.ts";
import { type CliConfig, type CliContext, configPath, loadConfig, resolveContext } from "./contexts.ts";
import { CliError, usageError } from "./errors.ts";
import { sigv4Signer } from "./sigv4.ts";
import { type Progress, progress, type Terminal } from "./terminal.ts";

/** The options every command takes (see program.ts). */
export interface GlobalOptions {
  readonly context?: string;
  readonly apiUrl?: string;
  readonly config?: string;
  readonly namespace: string;
  readonly kubeconfig?: string;
  readonly timeout: string;
  readonly verbose?: boolean;
  readonly color?: boolean;
}

/** What the process gives a command: injected, so tests and main.ts differ only here. */
export interface CliDeps {
  readonly term: Terminal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly fetch?: typeof fetch;
  /** Waits between polls; tests may shorten it. */
  readonly pollMs?: number;
  /** Resolves when the user interrupts (Ctrl-C): watches end there. */
  readonly interrupted?: Promise<void>;
  /** A watch calls this so Ctrl-C ends it cleanly (exit 0) instead of stopping the process. */
  readonly claimInterrupt?: () => void;
}

/** One command's view of its options and the things it talks to, built lazily. */
export class Session {
  readonly deps: CliDeps;
  readonly options: GlobalOptions;
  readonly term: Terminal;
  readonly log: Progress;
  readonly pollMs: number;
  #config: CliConfig | undefined;
  #context: CliContext | undefined;
  #api: ApiClient | undefined;
  readonly #timeoutMs: number;

  constructor(deps: CliDeps, options: GlobalOptions) {
    this.deps = deps;
    this.options = options;
    this.term = deps.term;
    this.log = progress(deps.term);
    this.pollMs = deps.pollMs ?? 500;
    // Checked before anything is asked of the API, so a typo is a usage error, not a late failure.
    try {
      this.#timeoutMs = parseDuration(options.timeout, "--timeout");
    } catch {
      throw usageError(`--timeout must be a duration such as 30s, 5m or 1h, got '${options.timeout}'`);
    }
  }

  get namespace(): string {
    return this.options.namespace;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  config(): CliConfig {
    this.#config ??= loadConfig(this.options.config ?? configPath(this.deps.env));
    return this.#config;
  }

  context(): CliContext {
    this.#context ??= resolveContext(
      {
        ...(this.options.context ? { context: this.options.context } : {}),
        ...(this.options.apiUrl ? { apiUrl: this.options.apiUrl } : {}),
      },
      // --api-url needs no file: a broken config file must not stand in its way.
      this.options.apiUrl || this.deps.env.SLUICE_API_URL ? { contexts: [] } : this.config(),
      this.deps.env,
    );
    return this.#context;
  }

  api(): ApiClient {
    if (!this.#api) {
      const context = this.context();
      // The SDK reads AWS_PROFILE itself; naming it here puts it in messages too.
      const profile = context.aws?.profile ?? this.deps.env.AWS_PROFILE;
      this.#api = new ApiClient({
        baseUrl: context.url,
        contextName: context.name,
        ...(context.aws
          ? {
              signer: sigv4Signer({
                region: context.aws.region,
                ...(profile ? { profile } : {}),
              }),
            }
          : {}),
        ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
      });
    }
    return this.#api;
  }

  /**
   * The cluster for diff, trace and check: --kubeconfig, the context's, KUBECONFIG, ~/.kube/config.
   * The Kubernetes client is loaded here, not at start-up: it takes a second to import.
   */
  async kubeConfig(): Promise<KubeConfig> {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    const file = this.kubeconfigPath();
    try {
      if (file) kc.loadFromFile(file);
      else kc.loadFromDefault();
    } catch (error) {
      throw new CliError("Invalid", `cannot read the kubeconfig ${file ?? ""}: ${(error as Error).message}`, {
        hint: "pass --kubeconfig <file> or set KUBECONFIG",
      });
    }
    if (!kc.getCurrentCluster())
      throw new CliError("Invalid", "no cluster to talk to: the kubeconfig has no current cluster", {
        hint: "pass --kubeconfig <file>, set KUBECONFIG, or add `kubeconfig:` to the context",
      });
    return kc;
  }

  kubeconfigPath(): string | undefined {
    if (this.options.kubeconfig) return this.options.kubeconfig;
    let fromContext: string | undefined;
    try {
      fromContext = this.context().kubeconfig;
    } catch {
      fromContext = undefined;
    }
    if (fromContext) return fromContext.replace(/^~(?=\/)/, homedir());
    return this.deps.env.KUBECONFIG?.split(":")[0] || undefined;
  }

  /** kubectl (kustomize) and helm: the Lambda layer's binaries, unpacked into the user's cache. */
  async tools(): Promise<Tools> {
    const env = this.deps.env;
    const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
    try {
      return await locateTools({ cacheDir: join(cache, "sluice"), env });
    } catch (error) {
      // ToolsUnavailable already says what to install or set.
      throw new CliError("Failed", (error as Error).message, { cause: error });
    }
  }

  /** Waits between polls; an interrupt cuts it short. */
  sleep(ms = this.pollMs): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return Promise.race([elapsed, ...(this.deps.interrupted ? [this.deps.interrupted] : [])]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** For watches: Ctrl-C ends the watch, and the command exits 0. */
  watchUntilInterrupted(): { readonly stopped: () => boolean } {
    this.deps.claimInterrupt?.();
    let stopped = false;
    void this.deps.interrupted?.then(() => {
      stopped = true;
    });
    return { stopped: () => stopped };
  }
}
