import { Readable } from "node:stream";
import { PortError } from "../ports/errors.ts";
import type { Digest } from "../ports/index.ts";

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a well-formed digest; anything else is `Invalid` (it could name a path). */
export function digestHex(digest: Digest): string {
  const hex = DIGEST.exec(digest)?.[1];
  if (!hex) throw new PortError("Invalid", `malformed artifact digest ${JSON.stringify(digest)}`);
  return hex;
}

/** Bytes that hash to something else than their claimed digest are refused, never stored. */
export function assertDigestMatches(digest: Digest, actualHex: string): void {
  if (`sha256:${actualHex}` !== digest) {
    throw new PortError("Invalid", `artifact bytes hash to sha256:${actualHex}, not ${digest}`);
  }
}

/** A put owns its body: a stream it will not read is destroyed, so its source is freed. */
export function releaseBody(body: Readable | Uint8Array): void {
  if (body instanceof Readable) body.destroy();
}
