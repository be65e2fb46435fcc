import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context, LambdaFunctionURLEvent } from "aws-lambda";
import { onTestFinished } from "vitest";
import { functionUrlEvent, lambdaContext } from "./lambda-events.ts";

export interface SigningIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

type UrlHandler = (event: LambdaFunctionURLEvent, context: Context) => Promise<unknown>;

/**
 * A Lambda function URL with `AuthType: AWS_IAM` in front of a real handler, on loopback: it checks
 * each request's SigV4 signature the way the service does (for service `lambda`, this identity's
 * key, a time within 15 minutes) and answers 403 `{"Message":"Forbidden"}` when it does not hold;
 * otherwise it turns the request into a function URL event and the handler's result into the
 * response. Real function URLs cannot be had here (no AWS); the verifier is written from the
 * SigV4 specification with node:crypto, independently of the signer the CLI uses.
 */
export async function startFunctionUrl(handler: UrlHandler, identity: SigningIdentity) {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://function-url");
    const refusal = verifySignature(req, url, body, identity);
    if (refusal) {
      res.writeHead(403, { "content-type": "application/json", "x-test-refusal": refusal });
      res.end(JSON.stringify({ Message: "Forbidden" }));
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([name, value]) => [name, [value ?? ""].flat().join(",")]),
    );
    const event = functionUrlEvent({
      method: req.method ?? "GET",
      rawPath: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const result = (await handler(event, lambdaContext("api", identity.region))) as {
      statusCode: number;
      headers?: Record<string, string>;
      body?: string;
    };
    res.writeHead(result.statusCode, result.headers ?? {});
    res.end(result.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** RFC 3986 unreserved characters stay, everything else is %XX: SigV4's URI encoding. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** Why the request's signature does not hold, or undefined when it does. */
function verifySignature(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  identity: SigningIdentity,
): string | undefined {
  const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ""));
  if (!match) return "no SigV4 authorization header";
  const [, keyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (keyId !== identity.accessKeyId) return "unknown access key";
  if (region !== identity.region || service !== "lambda") return `scope ${region}/${service}`;
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
  if (!(Math.abs(Date.now() - at) < 15 * 60_000) || !amzDate.startsWith(day as string)) return "stale date";
  const names = (signedHeaders as string).split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return "host and x-amz-date must be signed";
  // Non-S3 services encode each path segment once more on top of the path as sent.
  const path = url.pathname
    .split("/")
    .map((segment) => uriEncode(segment))
    .join("/");
  const query = [...url.searchParams]
    .map(([k, v]): [string, string] => [uriEncode(k), uriEncode(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = names
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const payload = String(req.headers["x-amz-content-sha256"] ?? sha256(body));
  if (payload !== "UNSIGNED-PAYLOAD" && payload !== sha256(body)) return "body does not match its hash";
  const canonical = [req.method, path, query, headers, signedHeaders, payload].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${identity.secretAccessKey}`, day as string);
  for (const part of [region as string, service as string, "aws4_request"]) key = hmac(key, part);
  const expected = Buffer.from(createHmac("sha256", key).update(toSign).digest("hex"));
  return timingSafeEqual(expected, Buffer.from(signature as string)) ? undefined : "signature mismatch";
}
