import { createServer, type Server } from "node:http";
import type { ApiRequest, ApiResponse } from "../control/http-api.ts";
import type { Logger } from "../reconcile/logger.ts";

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handle: (request: ApiRequest) => Promise<ApiResponse>;
  readonly logger: Logger;
}

/** Serves the transport-neutral API over node:http for the local runtime. */
export async function startHttpServer(options: HttpServerOptions): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sluice.local");
    const query = Object.fromEntries(url.searchParams.entries());
    options
      .handle({ method: req.method ?? "GET", path: url.pathname, query })
      .then((response) => {
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(JSON.stringify(response.body));
      })
      .catch((error: unknown) => {
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
