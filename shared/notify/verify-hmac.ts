import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The hash functions a `<algo>=<hex>` signature may name, as GitHub's format allows them. */
const ALGORITHMS: Readonly<Record<string, string>> = { sha1: "sha1", sha256: "sha256", sha512: "sha512" };

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * Checks a `<algo>=<hex>` HMAC signature (GitHub's X-Hub-Signature(-256), Bitbucket Server's
 * X-Hub-Signature, the generic X-Signature) of the raw body under `key`. A missing, malformed or
 * wrong signature is simply false: the caller answers all three the same way.
 */
export function verifyHmacSignature(signature: string | undefined, body: Buffer, key: string): boolean {
  if (!signature) return false;
  const at = signature.indexOf("=");
  if (at < 0) return false;
  const algorithm = ALGORITHMS[signature.slice(0, at)];
  const hex = signature.slice(at + 1);
  if (!algorithm || !HEX.test(hex)) return false;
  const given = Buffer.from(hex, "hex");
  const expected = createHmac(algorithm, key).update(body).digest();
  // A digest's length is public (it follows from the algorithm), so checking it first leaks nothing.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Compares a secret a sender presents in clear (GitLab's X-Gitlab-Token, Harbor's Authorization)
 * with the token in constant time. Both sides are hashed first so that neither the length nor
 * the first differing byte shows in the timing.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
