import { createServer, type IncomingMessage, type Server } from "node:http";
import type { ApiRequest, ApiResponse } from "../control/http-api.ts";
import { MAX_MANIFEST_BYTES } from "../control/manifest.ts";
import type { Logger } from "../reconcile/logger.ts";

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handle: (request: ApiRequest) => Promise<ApiResponse>;
  readonly logger: Logger;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MANIFEST_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Serves the transport-neutral API over node:http for the local runtime. */
export async function startHttpServer(options: HttpServerOptions): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sluice.local");
    const query = Object.fromEntries(url.searchParams.entries());
    readBody(req)
      .then((body) =>
        options.handle({ method: req.method ?? "GET", path: url.pathname, query, ...(body ? { body } : {}) }),
      )
      .then((response) => {
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(JSON.stringify(response.body));
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLarge) {
          res.writeHead(413, { "content-type": "application/json", connection: "close" });
          res.end(
            JSON.stringify({
              error: {
                reason: "PayloadTooLarge",
                message: `bodies are limited to ${MAX_MANIFEST_BYTES} bytes`,
              },
            }),
          );
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
