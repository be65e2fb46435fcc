import { SpecError } from "../../api/errors.ts";

/** A repository in a registry, as `oci://<host>/<repository>` names it. */
export interface OciRepositoryAddress {
  /** `ghcr.io`, `127.0.0.1:5000`: what goes into the HTTP URL and the docker config's `auths`. */
  readonly host: string;
  /** `org/app`: lower-case path components, no tag or digest. */
  readonly repository: string;
  /** `oci://<host>/<repository>`, normalised. */
  readonly url: string;
}

// The distribution reference grammar: lower-case components joined by `.`, `_`, `__` or dashes.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** `sha256:<64 hex>` or `sha512:<128 hex>`, the algorithms the client can verify. */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function isTag(value: string): boolean {
  return TAG.test(value);
}

/**
 * Parses `oci://<host>[:port]/<repository>`. A tag or digest in the URL is refused, as Flux
 * does: the reference belongs in `spec.ref`, and accepting both would make one silently win.
 */
export function parseOciUrl(raw: string, field = "spec.url"): OciRepositoryAddress {
  const invalid = (why: string) => new SpecError("InvalidSpec", field, `${why}, got ${JSON.stringify(raw)}`);
  if (!raw.startsWith("oci://")) throw invalid("must start with oci://");
  const rest = raw.slice("oci://".length).replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  if (slash <= 0) throw invalid("must be oci://<host>/<repository>");
  const host = rest.slice(0, slash);
  const repository = rest.slice(slash + 1);
  if (host.includes("@")) throw invalid("must not contain credentials (use spec.secretRef)");
  if (!HOST.test(host)) throw invalid("has an invalid registry host");
  if (repository.includes("@")) throw invalid("must not contain a digest (use spec.ref.digest)");
  const components = repository.split("/");
  const last = components.at(-1) ?? "";
  if (last.includes(":")) throw invalid("must not contain a tag (use spec.ref.tag)");
  if (!components.every((c) => COMPONENT.test(c)))
    throw invalid("has an invalid repository path (lower-case letters, digits and . _ - separators)");
  if (repository.length > 255) throw invalid("has a repository path longer than 255 characters");
  return { host, repository, url: `oci://${host}/${repository}` };
}
