import {
  createPrivateKey,
  type KeyObject,
  randomUUID,
  sign,
  timingSafeEqual,
  X509Certificate,
} from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { EnvError } from "./errors.ts";
import { exec, lastLines } from "./exec.ts";
import type { Running } from "./running.ts";

/** What a registry needs to trust the token server: its `auth.token` configuration. */
export interface TokenServerInfo {
  /** http://127.0.0.1:<port>/token */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the self-signed certificate whose key signs the tokens. */
  readonly rootCertBundle: string;
}

export interface TokenServerOptions {
  readonly dir: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** Repositories anyone may pull without credentials, so anonymous token flows can be tested. */
export const PUBLIC_PREFIX = "public/";

const SERVICE = "sluice-test-registry";
const ISSUER = "sluice-test-token-issuer";

interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: string[];
}

async function makeSigningCertificate(
  dir: string,
): Promise<{ key: KeyObject; certPem: string; path: string }> {
  const keyPath = join(dir, "token-signing.key");
  const certPath = join(dir, "token-signing.crt");
  const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7", "-subj", `/CN=${ISSUER}`];
  const result = await exec("openssl", [...args, "-keyout", keyPath, "-out", certPath]).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT")
        throw new EnvError(
          "MissingTool",
          "openssl not found: it makes the token registry's signing certificate; install it with `apt-get install openssl`",
        );
      throw error;
    },
  );
  if (result.code !== 0)
    throw new EnvError("StartFailed", `openssl could not make a certificate: ${lastLines(result.stderr)}`);
  return {
    key: createPrivateKey(await readFile(keyPath)),
    certPem: await readFile(certPath, "utf8"),
    path: certPath,
  };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/**
 * An RS256 JWT as distribution 2.8 verifies it: the `x5c` header carries the signing
 * certificate, which must chain to the registry's rootcertbundle; iss and aud must match.
 */
function issueToken(key: KeyObject, certDer: Buffer, subject: string, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "RS256", x5c: [certDer.toString("base64")] };
  const claims = {
    iss: ISSUER,
    sub: subject,
    aud: SERVICE,
    iat: now,
    nbf: now - 60,
    exp: now + 300,
    jti: randomUUID(),
    access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(sign("sha256", Buffer.from(signingInput), key))}`;
}

/** `repository:team/app:pull,push` → one access entry; the name may not contain `:`. */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user a Basic header names when its password is right; null when absent, false when wrong. */
function authenticate(req: IncomingMessage, options: TokenServerOptions): string | null | false {
  const header = req.headers.authorization;
  if (!header) return null;
  if (!header.startsWith("Basic ")) return false;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return colon > 0 && sameSecret(user, options.username) && sameSecret(password, options.password)
    ? user
    : false;
}

function grant(user: string | null, scopes: readonly string[]): Access[] {
  return scopes.flatMap((scope) => {
    const access = parseScope(scope);
    if (access?.type !== "repository") return [];
    if (user) return [access];
    // Anonymous callers may only pull public repositories.
    const pull = access.actions.filter((a) => a === "pull");
    return access.name.startsWith(PUBLIC_PREFIX) && pull.length > 0 ? [{ ...access, actions: pull }] : [];
  });
}

/**
 * The token service of a Docker-style registry (distribution's `auth: token`): checks Basic
 * credentials and hands out short-lived JWTs for the scopes asked for. Wrong credentials are a
 * 401; no credentials get a token that can only pull `public/` repositories.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<Running<TokenServerInfo>> {
  const { key, certPem, path } = await makeSigningCertificate(options.dir);
  const certDer = new X509Certificate(certPem).raw;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://token");
    if (url.pathname !== "/token" || req.method !== "GET") {
      res.writeHead(404).end();
      return;
    }
    const user = authenticate(req, options);
    if (user === false) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "wrong username or password" }] }));
      return;
    }
    const token = issueToken(key, certDer, user ?? "", grant(user, url.searchParams.getAll("scope")));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  };
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  return {
    info: {
      realm: `http://127.0.0.1:${options.port}/token`,
      service: SERVICE,
      issuer: ISSUER,
      rootCertBundle: path,
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
