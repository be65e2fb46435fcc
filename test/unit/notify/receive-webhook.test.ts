import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createWebhookHandler, MAX_WEBHOOK_BODY_BYTES } from "../../../shared/notify/receive-webhook.ts";
import { ReceiverReconciler } from "../../../shared/notify/receiver-reconciler.ts";
import { webhookPath } from "../../../shared/notify/webhook-path.ts";
import type { ObjectKey, SecretRef, SecretStore } from "../../../shared/ports/index.ts";
import type { Logger } from "../../../shared/reconcile/logger.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { decodeWorkRequest } from "../../../shared/reconcile/work-request.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

const TOKEN = "0123456789abcdef-token";
const receiverKey: ObjectKey = { kind: "Receiver", namespace: "flux-system", name: "hooks" };
const body = Buffer.from('{"ref":"refs/heads/main","after":"abc"}');

class MapSecrets implements SecretStore {
  readonly data = new Map<string, Record<string, string>>();
  async get(ref: SecretRef) {
    return this.data.get(`${ref.namespace}/${ref.name}`);
  }
}

/** Keeps every log line, so tests can say what was logged and what never was. */
function recordingLogger() {
  const lines: { level: string; message: string; extra: Record<string, unknown>[] }[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      lines.push({ level, message, extra });
  const log: Logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines, text: () => JSON.stringify(lines) };
}

function sign(payload: Buffer, key = TOKEN): string {
  return `sha256=${createHmac("sha256", key).update(payload).digest("hex")}`;
}

async function setup(spec: Record<string, unknown> = {}, options: { noCrossNamespaceRefs?: boolean } = {}) {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const secrets = new MapSecrets();
  secrets.data.set("flux-system/webhook-token", { token: TOKEN });
  const put = (key: ObjectKey, objectSpec: Record<string, unknown>, labels?: Record<string, string>) =>
    backend.state.putObject({ key, apiVersion: "v1", metadata: labels ? { labels } : {}, spec: objectSpec });
  await put(receiverKey, {
    type: "github",
    secretRef: { name: "webhook-token" },
    resources: [
      { kind: "GitRepository", name: "fleet" },
      { kind: "GitRepository", name: "*", matchLabels: { team: "web" } },
    ],
    ...spec,
  });
  const git = (name: string, namespace = "flux-system"): ObjectKey => ({
    kind: "GitRepository",
    namespace,
    name,
  });
  await put(git("fleet"), { url: "https://example.com/fleet.git" });
  await put(git("web"), { url: "https://example.com/web.git" }, { team: "web" });
  await put(git("web-paused"), { suspend: true }, { team: "web" });
  await put(git("api"), { url: "https://example.com/api.git" }, { team: "api" });
  const registry = new ReconcilerRegistry([new ReceiverReconciler({ secrets })]);
  const reconcileReceiver = () =>
    reconcileObject({ key: receiverKey, reason: "manual" }, "test", { ...backend, clock, registry });
  await reconcileReceiver();
  const path = webhookPath({ token: TOKEN, ...receiverKey });
  const logger = recordingLogger();
  const handler = createWebhookHandler({
    ...backend,
    secrets,
    clock,
    log: logger.log,
    maxBodyBytes: 4096,
    ...options,
  });
  const post = (headers: Record<string, string>, payload = body, at = path) =>
    handler({ method: "POST", path: at, headers, body: payload });
  const signed = (extra: Record<string, string> = {}, payload = body) =>
    post(
      {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-hub-signature-256": sign(payload),
        ...extra,
      },
      payload,
    );
  const drain = async () => {
    const messages = await backend.queue.receive({ max: 10, visibilityMs: 60_000 });
    for (const message of messages) await backend.queue.ack(message);
    return messages.map((m) => ({ groupId: m.groupId, request: decodeWorkRequest(m.body) }));
  };
  return { backend, clock, secrets, handler, path, post, signed, drain, logger, put, git, reconcileReceiver };
}

describe("the webhook handler", () => {
  it("queues every object the Receiver names, by name and by labels, skipping suspended ones", async () => {
    const t = await setup();
    const response = await t.signed({ "x-github-delivery": "d-1" });
    expect(response).toEqual({
      status: 202,
      body: {
        accepted: ["GitRepository/flux-system/fleet", "GitRepository/flux-system/web"],
        requestedAt: new Date(t.clock.now()).toISOString(),
      },
    });
    const queued = await t.drain();
    const requestedAt = new Date(t.clock.now()).toISOString();
    expect(queued).toEqual([
      {
        groupId: "GitRepository/flux-system/fleet",
        request: { key: t.git("fleet"), reason: "webhook", requestedAt },
      },
      {
        groupId: "GitRepository/flux-system/web",
        request: { key: t.git("web"), reason: "webhook", requestedAt },
      },
    ]);
  });

  it("drops a redelivery with the same delivery id, but not a new push with the same body", async () => {
    const t = await setup();
    await t.signed({ "x-github-delivery": "d-1" });
    expect(await t.drain()).toHaveLength(2);
    expect((await t.signed({ "x-github-delivery": "d-1" })).status).toBe(202);
    expect(await t.drain()).toEqual([]);
    await t.signed({ "x-github-delivery": "d-2" });
    expect(await t.drain()).toHaveLength(2);
    // Without a delivery id the same body twice is two pushes, and both go through.
    await t.signed();
    expect(await t.drain()).toHaveLength(2);
    await t.signed();
    expect(await t.drain()).toHaveLength(2);
  });

  it("answers a ping without queueing anything", async () => {
    const t = await setup({ events: ["push"] });
    expect(await t.signed({ "x-github-event": "ping" })).toEqual({ status: 200, body: { accepted: [] } });
    expect(await t.drain()).toEqual([]);
  });

  it("refuses a missing or forged signature with 401 and logs why, never the secrets or the body", async () => {
    const t = await setup();
    const forged = sign(body, "guess");
    expect(
      await t.post({
        "content-type": "application/json",
        "x-github-event": "push",
        "x-hub-signature-256": forged,
      }),
    ).toMatchObject({ status: 401, body: { error: { reason: "Unauthorized" } } });
    expect((await t.post({ "content-type": "application/json" })).status).toBe(401);
    expect(await t.drain()).toEqual([]);
    const rejected = t.logger.lines.filter((line) => line.message.startsWith("webhook rejected"));
    expect(rejected).toHaveLength(2);
    expect(rejected[0]?.extra[0]).toMatchObject({ status: 401, receiver: "Receiver/flux-system/hooks" });
    expect(rejected[0]?.message).toContain("X-Hub-Signature");
    const logged = t.logger.text();
    for (const secret of [TOKEN, forged.slice(7), "refs/heads/main", t.path.slice(6)])
      expect(logged).not.toContain(secret);
  });

  it("refuses an event spec.events does not list with 400, as Flux does", async () => {
    const t = await setup({ events: ["push"] });
    expect(await t.signed({ "x-github-event": "issues" })).toMatchObject({
      status: 400,
      body: { error: { reason: "EventNotAccepted" } },
    });
    expect(await t.drain()).toEqual([]);
  });

  it("answers 404 without detail for an unknown or malformed path, and 405 and 413 first", async () => {
    const t = await setup();
    const unknown = webhookPath({ token: "other", ...receiverKey });
    expect(await t.post({}, body, unknown)).toEqual({
      status: 404,
      body: { error: { reason: "NotFound", message: "not found" } },
    });
    expect((await t.post({}, body, "/hook/../v1/objects")).status).toBe(404);
    expect(
      (await t.handler({ method: "GET", path: t.path, headers: {}, body: Buffer.alloc(0) })).status,
    ).toBe(405);
    expect((await t.signed({}, Buffer.alloc(4097, 32))).status).toBe(413);
    expect(MAX_WEBHOOK_BODY_BYTES).toBe(2 * 1024 * 1024);
    expect(t.logger.text()).not.toContain(unknown.slice(6));
  });

  it("ignores a query string after the path", async () => {
    const t = await setup({ type: "generic" });
    expect((await t.post({}, body, `${t.path}?source=ci`)).status).toBe(202);
  });

  it("answers 503 while the Receiver is suspended or not Ready", async () => {
    const t = await setup();
    await t.put(receiverKey, {
      type: "github",
      suspend: true,
      secretRef: { name: "webhook-token" },
      resources: [{ kind: "GitRepository", name: "fleet" }],
    });
    expect(await t.signed()).toMatchObject({
      status: 503,
      body: { error: { reason: "ReceiverUnavailable" } },
    });
    expect(t.logger.lines.at(-1)?.message).toContain("suspended");

    const u = await setup();
    u.secrets.data.delete("flux-system/webhook-token");
    await u.reconcileReceiver();
    expect((await u.signed()).status).toBe(503);
    expect(await u.drain()).toEqual([]);
  });

  it("answers 500 when the secret disappeared since the Receiver was ready, naming the receiver in the log", async () => {
    const t = await setup();
    t.secrets.data.delete("flux-system/webhook-token");
    expect(await t.signed()).toMatchObject({
      status: 500,
      body: { error: { reason: "ReceiverMisconfigured" } },
    });
    const line = t.logger.lines.at(-1);
    expect(line?.extra[0]).toMatchObject({ receiver: "Receiver/flux-system/hooks", status: 500 });
    expect(line?.message).toContain("flux-system/webhook-token");
    expect(t.logger.text()).not.toContain(TOKEN);
  });

  it("stops serving the old path as soon as the token is replaced", async () => {
    const t = await setup({ type: "generic" });
    t.secrets.data.set("flux-system/webhook-token", { token: "a-new-token" });
    expect((await t.post({})).status).toBe(404);
    await t.reconcileReceiver();
    const moved = webhookPath({ token: "a-new-token", ...receiverKey });
    expect((await t.post({}, body, moved)).status).toBe(202);
  });

  it("refuses a malformed payload where the sender's type needs JSON", async () => {
    const t = await setup({ type: "dockerhub" });
    expect(await t.post({}, Buffer.from("{not json"))).toMatchObject({
      status: 400,
      body: { error: { reason: "InvalidPayload" } },
    });
    expect((await t.post({}, Buffer.from('{"push_data":{"tag":"v1"}}'))).status).toBe(202);
  });

  it("looks in the resource's namespace, unless cross-namespace references are off", async () => {
    const spec = { type: "generic", resources: [{ kind: "GitRepository", name: "app", namespace: "apps" }] };
    const t = await setup(spec);
    await t.put(t.git("app", "apps"), {});
    expect((await t.post({})).body).toMatchObject({ accepted: ["GitRepository/apps/app"] });

    const u = await setup(spec, { noCrossNamespaceRefs: true });
    await u.put(u.git("app", "apps"), {});
    expect((await u.post({})).body).toMatchObject({ accepted: [] });
    expect(u.logger.lines.find((l) => l.message === "webhook resources skipped")?.extra[0]).toMatchObject({
      refusedCrossNamespace: ["GitRepository/apps/app"],
    });
  });

  it("logs the objects it could not find and queues the others", async () => {
    const t = await setup({
      type: "gitlab",
      resources: [
        { kind: "GitRepository", name: "fleet" },
        { kind: "GitRepository", name: "gone" },
        { kind: "Kustomization", name: "*", matchLabels: { team: "web" } },
      ],
    });
    const response = await t.post({ "x-gitlab-token": TOKEN, "x-gitlab-event-uuid": "u-1" });
    expect(response.body).toMatchObject({ accepted: ["GitRepository/flux-system/fleet"] });
    expect(t.logger.lines.find((l) => l.message === "webhook resources skipped")?.extra[0]).toMatchObject({
      missing: ["GitRepository/flux-system/gone", "Kustomization/flux-system/*"],
    });
  });
});
