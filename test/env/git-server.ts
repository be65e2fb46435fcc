import { spawn } from "node:child_process";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { EnvError } from "./errors.ts";
import { exec, lastLines } from "./exec.ts";
import type { Running } from "./running.ts";

export interface GitServerInfo {
  /** http://127.0.0.1:<port>; a repository `team/app.git` is at `${url}/team/app.git`. */
  readonly url: string;
  /** Folder of the bare repositories, so tests can create repositories directly. */
  readonly root: string;
  readonly username: string;
  readonly password: string;
  /** Accepted as `Authorization: Bearer <token>` in place of basic auth, for the same user. */
  readonly token: string;
}

export interface GitServerOptions {
  readonly gitHttpBackend: string;
  readonly root: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The bearer token the server accepts; a random one when absent. */
  readonly token?: string;
}

/**
 * Repositories under this folder need credentials for every request. The others behave like
 * public repositories on a forge: anyone may fetch, only an authenticated user may push.
 */
export const PRIVATE_PREFIX = "private/";

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

type ServeOptions = GitServerOptions & { readonly token: string };

/** What the request presented, if anything: basic credentials or a bearer token. */
type Credentials = { user: string; password: string } | { token: string } | undefined;

function presented(req: IncomingMessage): Credentials {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return { token: header.slice(7).trim() };
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function isAuthenticated(options: ServeOptions, credentials: Credentials): boolean {
  if (credentials === undefined) return false;
  if ("token" in credentials) return sameSecret(credentials.token, options.token);
  return sameSecret(credentials.user, options.username) && sameSecret(credentials.password, options.password);
}

/**
 * Splits CGI output into its header block and body. git http-backend ends headers with CRLF CRLF,
 * but CGI allows bare LF, so both are accepted.
 */
export function splitCgiHeaders(
  buffer: Buffer,
): { headers: Map<string, string>; status: number; body: Buffer } | undefined {
  let end = buffer.indexOf("\r\n\r\n");
  let skip = 4;
  if (end < 0) {
    end = buffer.indexOf("\n\n");
    skip = 2;
  }
  if (end < 0) return undefined;
  const headers = new Map<string, string>();
  let status = 200;
  for (const line of buffer.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
    else headers.set(name, value);
  }
  return { headers, status, body: buffer.subarray(end + skip) };
}

function challenge(res: ServerResponse): void {
  res.writeHead(401, { "WWW-Authenticate": 'Basic realm="sluice-test-git"', "Content-Type": "text/plain" });
  res.end("authentication required\n");
}

function serve(options: ServeOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://git.invalid");
  const credentials = presented(req);
  const authenticated = isAuthenticated(options, credentials);
  // Wrong credentials are refused even for open repositories, as a real forge does.
  if (credentials && !authenticated) {
    challenge(res);
    return;
  }
  const push =
    url.searchParams.get("service") === "git-receive-pack" || url.pathname.endsWith("/git-receive-pack");
  if ((push || url.pathname.startsWith(`/${PRIVATE_PREFIX}`)) && !authenticated) {
    challenge(res);
    return;
  }

  const child = spawn(options.gitHttpBackend, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      // http-backend enables receive-pack only for a named user, which is what we want.
      REMOTE_USER: authenticated ? options.username : "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    },
  });
  req.pipe(child.stdin);
  let pending: Buffer | undefined = Buffer.alloc(0);
  child.stdout.on("data", (chunk: Buffer) => {
    if (pending === undefined) {
      res.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const parsed = splitCgiHeaders(pending);
    if (!parsed) return;
    pending = undefined;
    res.writeHead(parsed.status, Object.fromEntries(parsed.headers));
    res.write(parsed.body);
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.once("close", (code) => {
    if (pending !== undefined && !res.headersSent) {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`git http-backend failed (${code}): ${lastLines(stderr)}\n`);
      return;
    }
    res.end();
  });
}

/** Creates an empty bare repository (default branch `main`) that the server then serves. */
export async function createBareRepo(root: string, name: string): Promise<string> {
  const dir = join(root, name.endsWith(".git") ? name : `${name}.git`);
  await mkdir(dir, { recursive: true });
  const result = await exec("git", ["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  if (result.code !== 0) throw new Error(`git init --bare ${dir} failed: ${lastLines(result.stderr)}`);
  return dir;
}

/** git's own smart-HTTP server program behind a small Node server that adds basic or bearer auth. */
export async function startGitServer(given: GitServerOptions): Promise<Running<GitServerInfo>> {
  const options: ServeOptions = { ...given, token: given.token ?? randomBytes(16).toString("hex") };
  await mkdir(options.root, { recursive: true });
  const server = createServer((req, res) => serve(options, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new EnvError(
              "PortInUse",
              `port ${options.port} for the git server is already in use on 127.0.0.1`,
            )
          : error,
      ),
    );
    server.listen(options.port, "127.0.0.1", resolve);
  });
  return {
    info: {
      url: `http://127.0.0.1:${options.port}`,
      root: options.root,
      username: options.username,
      password: options.password,
      token: options.token,
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
