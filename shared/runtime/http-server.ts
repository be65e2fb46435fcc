import { createServer, type IncomingMessage, type Server } from "node:http";
import type { ApiRequest, ApiResponse } from "../control/http-api.ts";
import { MAX_MANIFEST_BYTES } from "../control/manifest.ts";
import { MAX_WEBHOOK_BODY_BYTES, type WebhookHandler } from "../notify/receive-webhook.ts";
import type { Logger } from "../reconcile/logger.ts";

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handle: (request: ApiRequest) => Promise<ApiResponse>;
  /** Receivers' webhooks, served under /hook/ beside the API, as Flux's receiver does. */
  readonly hooks?: WebhookHandler;
  readonly logger: Logger;
}

class BodyTooLarge extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`bodies are limited to ${limit} bytes`);
    this.limit = limit;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(", ") : value,
    ]),
  );
}

type Served = { status: number; body: unknown };

/** Webhooks get the raw bytes and headers (signatures are over them); the API gets text. */
async function serve(req: IncomingMessage, url: URL, options: HttpServerOptions): Promise<Served> {
  const method = req.method ?? "GET";
  if (options.hooks && url.pathname.startsWith("/hook/")) {
    const body = (await readBody(req, MAX_WEBHOOK_BODY_BYTES)) ?? Buffer.alloc(0);
    return options.hooks({ method, path: url.pathname, headers: headersOf(req), body });
  }
  const body = (await readBody(req, MAX_MANIFEST_BYTES))?.toString("utf8");
  const query = Object.fromEntries(url.searchParams.entries());
  return options.handle({ method, path: url.pathname, query, ...(body ? { body } : {}) });
}

/** Serves the transport-neutral API (and the receivers' webhooks) over node:http for the local runtime. */
export async function startHttpServer(options: HttpServerOptions): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sluice.local");
    serve(req, url, options)
      .then((response) => {
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(JSON.stringify(response.body));
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          res.writeHead(413, { "content-type": "application/json", connection: "close" });
          res.end(JSON.stringify({ error: { reason: "PayloadTooLarge", message: error.message } }));
          return;
        }
        options.logger.error("api request failed", { path: url.pathname, error: String(error) });
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { reason: "InternalError", message: "the request failed; see sluice's log" },
          }),
        );
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return { url: `http://${options.host}:${port}`, server };
}
