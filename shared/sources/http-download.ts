import { ReconcileError } from "../reconcile/reconciler.ts";
import { formatBytes } from "./artifact/tarball.ts";
import { redactUrl } from "./redact.ts";
import type { TransferMeter } from "./transfer-meter.ts";

export interface DownloadOptions {
  readonly method?: "GET" | "HEAD";
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** A body larger than this is refused, before it is read when the server says its length. */
  readonly maxBytes: number;
  readonly meter?: TransferMeter;
  /** Reason for failures to reach the server (Flux uses a kind-specific one, e.g. IndexationFailed). */
  readonly failureReason: string;
}

export interface Download {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
}

/**
 * One HTTP request whose body is read with a size cap and counted. Network failures become a
 * ReconcileError naming the host (never credentials); HTTP error statuses are returned for the
 * caller to explain, since only it knows what a 401 or 404 means there.
 */
export async function download(url: string, options: DownloadOptions): Promise<Download> {
  options.meter?.request();
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers: options.headers ?? {},
      redirect: "follow",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ReconcileError(
      options.failureReason,
      `cannot reach ${redactUrl(url)}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const tooLarge = () =>
    new ReconcileError(
      "SizeLimitExceeded",
      `${redactUrl(url)} is larger than the ${formatBytes(options.maxBytes)} limit`,
    );
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (response.ok && declared > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      options.meter?.received(chunk.byteLength);
      if (total > options.maxBytes) {
        await response.body.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  }
  return { status: response.status, headers: response.headers, bytes: Buffer.concat(chunks) };
}
