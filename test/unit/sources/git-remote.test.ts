import { createServer } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import { GitHttpTransport } from "../../../shared/sources/git/http-transport.ts";
import { httpCredentialsOf, parseRemoteUrl } from "../../../shared/sources/git/remote-url.ts";
import { cacheKey } from "../../../shared/sources/git/workspace.ts";
import { TransferMeter } from "../../../shared/sources/transfer-meter.ts";

describe("parseRemoteUrl", () => {
  it("takes credentials out of an HTTPS URL", () => {
    expect(parseRemoteUrl("https://bot:s3cret@git.example/org/repo.git")).toEqual({
      url: "https://git.example/org/repo.git",
      inline: { kind: "basic", username: "bot", password: "s3cret" },
    });
    expect(parseRemoteUrl(" http://git.example/repo ")).toEqual({ url: "http://git.example/repo" });
  });

  it("stalls on SSH URLs, other schemes and text that is not a URL, without echoing a password", () => {
    for (const [raw, reason] of [
      ["ssh://git@github.com/org/repo", "UnsupportedURL"],
      ["git@github.com:org/repo.git", "UnsupportedURL"],
      ["file:///srv/repo.git", "URLInvalid"],
      ["//user:hunter22@host", "URLInvalid"],
    ] as const) {
      let error: unknown;
      try {
        parseRemoteUrl(raw);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ reason, stalled: true });
      expect((error as Error).message).not.toContain("hunter22");
    }
  });
});

describe("httpCredentialsOf", () => {
  it("reads Flux's keys, the bearer token first", () => {
    expect(httpCredentialsOf({ bearerToken: "t", username: "u", password: "p" }, "ns/s")).toEqual({
      kind: "bearer",
      token: "t",
    });
    expect(httpCredentialsOf({ username: "u", password: "p" }, "ns/s")).toEqual({
      kind: "basic",
      username: "u",
      password: "p",
    });
    expect(() => httpCredentialsOf({ identity: "key" }, "ns/s")).toThrow(
      "secret 'ns/s' named by spec.secretRef has neither 'username' and 'password' nor 'bearerToken'",
    );
  });
});

describe("cacheKey", () => {
  it("is a digest: the URL, and anything in it, never becomes a path", () => {
    const key = cacheKey("https://user:pw@git.example/org/repo.git");
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(cacheKey("https://git.example/org/repo.git")).not.toBe(key);
  });
});

describe("GitHttpTransport", () => {
  async function server(body: Buffer) {
    const seen: (string | undefined)[] = [];
    const srv = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end(body);
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      srv.closeAllConnections();
      srv.close();
    });
    return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/repo.git`, seen };
  }

  async function read(response: Awaited<ReturnType<GitHttpTransport["request"]>>) {
    let n = 0;
    for await (const chunk of response.body ?? []) n += chunk.byteLength;
    return n;
  }

  it("sends the credentials, counts requests and bytes", async () => {
    const { url, seen } = await server(Buffer.alloc(1000));
    const meter = new TransferMeter();
    const transport = new GitHttpTransport({
      credentials: { kind: "bearer", token: "tok" },
      meter,
      maxBytes: 10_000,
    });
    expect(await read(await transport.request({ url }))).toBe(1000);
    const basic = new GitHttpTransport({
      credentials: { kind: "basic", username: "u", password: "p" },
      maxBytes: 10_000,
    });
    await read(await basic.request({ url }));
    expect(seen).toEqual(["Bearer tok", `Basic ${Buffer.from("u:p").toString("base64")}`]);
    expect(meter).toMatchObject({ requests: 1, bytesIn: 1000 });
  });

  it("stops reading past the limit and keeps the error for the caller", async () => {
    const { url } = await server(Buffer.alloc(200_000));
    const transport = new GitHttpTransport({ maxBytes: 50_000 });
    await expect(read(await transport.request({ url }))).rejects.toMatchObject({
      reason: "SizeLimitExceeded",
    });
    expect(transport.limitError?.message).toBe("the repository sent more than the 48.8 KiB limit");
  });

  it("refuses to start once the run is aborted", async () => {
    const { url } = await server(Buffer.alloc(10));
    const controller = new AbortController();
    controller.abort(new Error("run timed out"));
    const transport = new GitHttpTransport({ signal: controller.signal, maxBytes: 100 });
    await expect(transport.request({ url })).rejects.toThrow("run timed out");
  });
});
