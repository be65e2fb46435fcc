import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate, pickChallenge } from "../../../shared/sources/oci/www-authenticate.ts";

describe("WWW-Authenticate parsing", () => {
  it("reads a registry's Bearer challenge with quoted parameters", () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull",error="insufficient_scope"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/nginx:pull",
          error: "insufficient_scope",
        },
      },
    ]);
  });

  it("reads Basic, bare values, escapes, spacing and case", () => {
    expect(parseWwwAuthenticate('basic Realm="my \\"registry\\""')).toEqual([
      { scheme: "basic", params: { realm: 'my "registry"' } },
    ]);
    expect(parseWwwAuthenticate("Bearer realm = https://t.example/token , service=reg")).toEqual([
      { scheme: "bearer", params: { realm: "https://t.example/token", service: "reg" } },
    ]);
  });

  it("splits several challenges in one header and prefers Bearer", () => {
    const challenges = parseWwwAuthenticate('Basic realm="r", Bearer realm="https://t/token",service="s"');
    expect(challenges.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(pickChallenge(challenges)?.params).toEqual({ realm: "https://t/token", service: "s" });
  });

  it("keeps a token68 credential and survives malformed or missing headers", () => {
    expect(parseWwwAuthenticate("Negotiate abc123==")).toEqual([
      { scheme: "negotiate", params: { token68: "abc123==" } },
    ]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: "bearer", params: {} }]);
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(pickChallenge(parseWwwAuthenticate("Negotiate"))).toBeUndefined();
  });
});
