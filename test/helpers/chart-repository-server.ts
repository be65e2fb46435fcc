import { spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, normalize, sep } from "node:path";

export interface ChartRepositoryServerOptions {
  /** The folder served: `index.yaml` and packaged charts, as `helm repo index` leaves them. */
  readonly dir: string;
  /** When set, every request needs these credentials (HTTP basic auth). */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface ServedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Body bytes sent (0 for 304s, 401s and HEAD). */
  readonly bytes: number;
}

export interface ChartRepositoryServer {
  /** `http://127.0.0.1:<port>`, no trailing slash: a HelmRepository's `spec.url`. */
  readonly url: string;
  /** Every request answered, in order, so tests can see what a poll cost. */
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

function authorized(request: IncomingMessage, auth: ChartRepositoryServerOptions["auth"]): boolean {
  if (!auth) return true;
  const expected = Buffer.from(
    `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`,
  );
  const given = Buffer.from(request.headers.authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A static chart repository on a free loopback port, like the GitHub Pages or S3 sites people
 * host charts on: files from one folder, read on every request (tests rewrite them between
 * polls), a strong ETag from the content, 304 for a matching If-None-Match, optional basic auth.
 */
export async function startChartRepositoryServer(
  options: ChartRepositoryServerOptions,
): Promise<ChartRepositoryServer> {
  const requests: ServedRequest[] = [];
  const root = normalize(options.dir);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<number> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return 0;
    }
    if (!authorized(request, options.auth)) {
      response.writeHead(401, { "www-authenticate": 'Basic realm="charts"' }).end();
      return 0;
    }
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) {
      response.writeHead(404).end();
      return 0;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      response.writeHead(404).end();
      return 0;
    }
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
    const matches = (request.headers["if-none-match"] ?? "").split(",").map((t) => t.trim());
    if (matches.includes(etag)) {
      response.writeHead(304, { etag }).end();
      return 0;
    }
    const type = file.endsWith(".yaml") ? "application/x-yaml" : "application/gzip";
    response.writeHead(200, { etag, "content-type": type, "content-length": body.length });
    response.end(request.method === "HEAD" ? undefined : body);
    return request.method === "HEAD" ? 0 : body.length;
  }

  const server = createServer((request, response) => {
    handle(request, response).then(
      (bytes) =>
        requests.push({
          method: request.method ?? "",
          path: request.url ?? "",
          status: response.statusCode,
          bytes,
        }),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      // Idempotent: a test may stop the server early to simulate an outage.
      closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closing;
    },
  };
}

export interface PackageChartOptions {
  /** A chart folder to start from, e.g. test/fixtures/charts/hello. */
  readonly from: string;
  readonly version: string;
  /** Extra or replaced files, by path inside the chart (`values-prod.yaml`, `values.yaml`). */
  readonly files?: Readonly<Record<string, string>>;
  /** Where the .tgz goes (the served folder). */
  readonly dest: string;
}

/** The real helm binary, with its config, cache and registry logins kept in a scratch folder. */
export interface HelmCli {
  run(args: readonly string[], input?: string): Promise<string>;
  /** `helm package` of a copy of `from` at `version`; returns the .tgz path. */
  packageChart(options: PackageChartOptions): Promise<string>;
  /** `helm repo index`, with absolute chart URLs when `url` is given, relative ones otherwise. */
  index(dir: string, url?: string): Promise<void>;
}

export function helmCli(binary: string, scratch: string): HelmCli {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(scratch, "helm-config"),
    HELM_CACHE_HOME: join(scratch, "helm-cache"),
    HELM_DATA_HOME: join(scratch, "helm-data"),
  };
  const run = (args: readonly string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(binary, args, { env });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        stderr += c;
      });
      child.once("error", reject);
      child.once("close", (code) =>
        code === 0
          ? resolve(stdout)
          : reject(new Error(`helm ${args[0]} failed (${code}): ${stderr.trim()}`)),
      );
      child.stdin.end(input ?? "");
    });
  let copies = 0;
  return {
    run,
    async packageChart({ from, version, files = {}, dest }) {
      const work = join(scratch, `chart-${copies++}`);
      await cp(from, work, { recursive: true });
      const chartFile = join(work, "Chart.yaml");
      const chart = (await readFile(chartFile, "utf8")).replace(/^version:.*$/m, `version: ${version}`);
      await writeFile(chartFile, chart);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await mkdir(dest, { recursive: true });
      const out = await run(["package", work, "--destination", dest]);
      const path = out.match(/saved it to: (.+\.tgz)/)?.[1];
      if (!path) throw new Error(`helm package printed no path: ${out}`);
      return path.trim();
    },
    async index(dir, url) {
      await run(["repo", "index", dir, ...(url ? ["--url", url] : [])]);
    },
  };
}
