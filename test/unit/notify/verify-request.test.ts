import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ReceiverType } from "../../../shared/notify/receiver-spec.ts";
import { verifyHmacSignature } from "../../../shared/notify/verify-hmac.ts";
import { type Verdict, verifyWebhookRequest } from "../../../shared/notify/verify-request.ts";

const token = "s3cr3t";
const push = Buffer.from('{"ref":"refs/heads/main"}');
const json = { "content-type": "application/json" };

function sign(algorithm: string, body: Buffer, key = token): string {
  return `${algorithm}=${createHmac(algorithm, key).update(body).digest("hex")}`;
}

function verify(
  type: ReceiverType,
  headers: Record<string, string>,
  options: { body?: Buffer | string; events?: string[] } = {},
): Verdict {
  const body = typeof options.body === "string" ? Buffer.from(options.body) : (options.body ?? push);
  return verifyWebhookRequest({ spec: { type, events: options.events ?? [] }, token, headers, body });
}

describe("verifyHmacSignature", () => {
  it("checks <algo>=<hex> signatures made with sha1, sha256 and sha512", () => {
    // printf '%s' '{"ref":"refs/heads/main"}' | openssl dgst -sha256 -hmac s3cr3t
    expect(
      verifyHmacSignature(
        "sha256=8588fd50c04ac2c191575340c4c0fe284157898def8e4d10af822f05dd7c9bb5",
        push,
        token,
      ),
    ).toBe(true);
    expect(verifyHmacSignature("sha1=ca5d9a2b42732da6779a57fd80ac97cfdf0e7635", push, token)).toBe(true);
    expect(verifyHmacSignature(`sha512=${sign("sha512", push).slice(7).toUpperCase()}`, push, token)).toBe(
      true,
    );
  });

  it.each([
    ["", "empty"],
    ["8588fd50c04ac2c191575340c4c0fe284157898def8e4d10af822f05dd7c9bb5", "without an algorithm"],
    ["md5=8588fd50c04ac2c191575340c4c0fe28", "with an unknown algorithm"],
    ["sha256=zz", "with bad hex"],
    ["sha256=8588fd50", "truncated"],
    [sign("sha256", push, "other"), "made with another key"],
    [sign("sha256", Buffer.from("{}")), "made over another body"],
  ])("refuses a signature %j (%s)", (signature) => {
    expect(verifyHmacSignature(signature, push, token)).toBe(false);
  });
});

describe("verifyWebhookRequest", () => {
  describe("github", () => {
    it("accepts X-Hub-Signature-256, or the SHA-1 X-Hub-Signature when it is the only one", () => {
      expect(
        verify("github", { ...json, "x-hub-signature-256": sign("sha256", push), "x-github-event": "push" }),
      ).toEqual({
        ok: true,
        event: "push",
        ping: false,
      });
      expect(verify("github", { ...json, "x-hub-signature": sign("sha1", push) })).toMatchObject({
        ok: true,
      });
    });

    it("answers 401 when the signature is missing or wrong, before looking at the body", () => {
      const missing = verify("github", json, { body: "not json" });
      expect(missing).toMatchObject({ ok: false, status: 401, reason: "Unauthorized" });
      const forged = verify("github", { ...json, "x-hub-signature-256": sign("sha256", push, "guess") });
      expect(forged).toMatchObject({ ok: false, status: 401 });
      // The newer header is the one checked, even when a valid SHA-1 one comes along.
      const mixed = verify("github", {
        ...json,
        "x-hub-signature-256": sign("sha256", push, "guess"),
        "x-hub-signature": sign("sha1", push),
      });
      expect(mixed).toMatchObject({ ok: false, status: 401 });
      if (!forged.ok) expect(forged.message).not.toContain(token);
    });

    it("takes JSON and form bodies only, as GitHub sends them", () => {
      const signature = { "x-hub-signature-256": sign("sha256", push) };
      expect(
        verify("github", { ...signature, "content-type": "application/x-www-form-urlencoded" }),
      ).toMatchObject({
        ok: true,
      });
      expect(
        verify("github", { ...signature, "content-type": "application/json; charset=utf-8" }),
      ).toMatchObject({
        ok: true,
      });
      expect(verify("github", { ...signature, "content-type": "text/plain" })).toMatchObject({
        ok: false,
        status: 415,
      });
      expect(verify("github", signature)).toMatchObject({ ok: false, status: 415 });
    });

    it("filters on X-GitHub-Event without regard to case, and answers a ping without triggering", () => {
      const headers = { ...json, "x-hub-signature-256": sign("sha256", push) };
      const events = ["Push"];
      expect(verify("github", { ...headers, "x-github-event": "push" }, { events })).toMatchObject({
        ok: true,
        ping: false,
      });
      expect(verify("github", { ...headers, "x-github-event": "issues" }, { events })).toMatchObject({
        ok: false,
        status: 400,
        reason: "EventNotAccepted",
      });
      expect(verify("github", headers, { events })).toMatchObject({ ok: false, status: 400 });
      expect(verify("github", { ...headers, "x-github-event": "ping" }, { events })).toEqual({
        ok: true,
        event: "ping",
        ping: true,
      });
      expect(verify("github", { ...headers, "x-github-event": "issues" })).toMatchObject({ ok: true });
    });
  });

  describe("gitlab", () => {
    it("compares X-Gitlab-Token with the token and filters on X-Gitlab-Event", () => {
      const events = ["Push Hook"];
      expect(
        verify("gitlab", { "x-gitlab-token": token, "x-gitlab-event": "Push Hook" }, { events }),
      ).toMatchObject({
        ok: true,
        event: "Push Hook",
      });
      expect(verify("gitlab", { "x-gitlab-token": `${token}x` })).toMatchObject({ ok: false, status: 401 });
      expect(verify("gitlab", { "x-gitlab-token": token.slice(1) })).toMatchObject({
        ok: false,
        status: 401,
      });
      expect(verify("gitlab", {})).toMatchObject({ ok: false, status: 401 });
      expect(
        verify("gitlab", { "x-gitlab-token": token, "x-gitlab-event": "Issue Hook" }, { events }),
      ).toMatchObject({ ok: false, status: 400, reason: "EventNotAccepted" });
    });
  });

  describe("bitbucket", () => {
    it("checks X-Hub-Signature and filters on X-Event-Key; its test button is a ping", () => {
      const headers = { ...json, "x-hub-signature": sign("sha256", push) };
      const events = ["repo:refs_changed"];
      expect(
        verify("bitbucket", { ...headers, "x-event-key": "repo:refs_changed" }, { events }),
      ).toMatchObject({
        ok: true,
        ping: false,
      });
      expect(verify("bitbucket", { ...headers, "x-event-key": "pr:opened" }, { events })).toMatchObject({
        ok: false,
        status: 400,
      });
      expect(
        verify("bitbucket", { ...headers, "x-event-key": "diagnostics:ping" }, { events }),
      ).toMatchObject({
        ok: true,
        ping: true,
      });
      expect(
        verify("bitbucket", { ...json, "x-hub-signature": sign("sha256", push, "guess") }),
      ).toMatchObject({
        ok: false,
        status: 401,
      });
    });
  });

  describe("generic and generic-hmac", () => {
    it("lets a generic request through on the path alone, events or not", () => {
      expect(verify("generic", {}, { body: "anything", events: ["push"] })).toEqual({
        ok: true,
        event: undefined,
        ping: false,
      });
    });

    it("checks X-Signature with the hash function it names", () => {
      for (const algorithm of ["sha1", "sha256", "sha512"])
        expect(verify("generic-hmac", { "x-signature": sign(algorithm, push) })).toMatchObject({ ok: true });
      expect(verify("generic-hmac", {})).toMatchObject({ ok: false, status: 401 });
      expect(verify("generic-hmac", { "x-signature": sign("sha256", push, "guess") })).toMatchObject({
        ok: false,
        status: 401,
      });
    });
  });

  describe("harbor", () => {
    it("compares the Authorization header with the token", () => {
      expect(verify("harbor", { authorization: token })).toMatchObject({ ok: true });
      expect(verify("harbor", { authorization: `Bearer ${token}` })).toMatchObject({
        ok: false,
        status: 401,
      });
      expect(verify("harbor", {})).toMatchObject({ ok: false, status: 401 });
    });
  });

  describe("payload checks", () => {
    it("accepts Docker Hub's push payload and refuses what does not look like one", () => {
      const payload = { push_data: { tag: "v1" }, repository: { repo_url: "https://hub.docker.com/r/a/b" } };
      expect(verify("dockerhub", {}, { body: JSON.stringify(payload) })).toMatchObject({ ok: true });
      expect(verify("dockerhub", {}, { body: "{}" })).toMatchObject({ ok: true });
      for (const body of ["not json", "[]", '"text"', '{"push_data":"v1"}', '{"push_data":{"tag":1}}'])
        expect(verify("dockerhub", {}, { body })).toMatchObject({
          ok: false,
          status: 400,
          reason: "InvalidPayload",
        });
    });

    it("never quotes the body when it refuses it", () => {
      const verdict = verify("dockerhub", {}, { body: "{secret-looking-body" });
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.message).not.toContain("secret-looking");
    });

    it("accepts Quay's push payload", () => {
      const payload = { docker_url: "quay.io/a/b", updated_tags: ["v1"] };
      expect(verify("quay", {}, { body: JSON.stringify(payload) })).toMatchObject({ ok: true });
      expect(verify("quay", {}, { body: '{"updated_tags":"v1"}' })).toMatchObject({ ok: false, status: 400 });
      expect(verify("quay", {}, { body: '{"docker_url":["a"]}' })).toMatchObject({ ok: false, status: 400 });
    });

    it("accepts a CDEvent and filters on Ce-Type", () => {
      const type = "dev.cdevents.artifact.packaged.0.1.1";
      const event = {
        context: { id: "1", source: "ci", type, timestamp: "2024-01-01T00:00:00Z", version: "0.4.1" },
        subject: { id: "pkg:oci/app", content: {} },
      };
      const body = JSON.stringify(event);
      expect(verify("cdevents", { "ce-type": type }, { body, events: [type] })).toMatchObject({
        ok: true,
        event: type,
      });
      expect(
        verify("cdevents", { "ce-type": "dev.cdevents.build.started.0.1.1" }, { body, events: [type] }),
      ).toMatchObject({ ok: false, status: 400, reason: "EventNotAccepted" });
      expect(
        verify("cdevents", {}, { body: JSON.stringify({ ...event, subject: undefined }) }),
      ).toMatchObject({
        ok: false,
        reason: "InvalidPayload",
      });
      expect(
        verify(
          "cdevents",
          {},
          { body: JSON.stringify({ ...event, context: { ...event.context, type: "x" } }) },
        ),
      ).toMatchObject({ ok: false, reason: "InvalidPayload" });
    });
  });
});
