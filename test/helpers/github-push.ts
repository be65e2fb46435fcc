import { createHmac, randomUUID } from "node:crypto";

export interface GithubPushOptions {
  /** The hook's secret: the body is signed with it (pass another to forge a signature). */
  readonly secret: string;
  /** The repository's clone URL, as the payload names it. */
  readonly cloneUrl: string;
  readonly before: string;
  readonly after: string;
  /** @default "refs/heads/main" */
  readonly ref?: string;
  /** GitHub's X-GitHub-Delivery; a redelivery repeats it. @default a new UUID */
  readonly delivery?: string;
}

export interface GithubDelivery {
  readonly delivery: string;
  /** Lower-cased, as both transports hand them to the webhook handler. */
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes that were signed. */
  readonly body: Buffer;
}

/**
 * A `push` event as GitHub posts it to a repository webhook: a JSON body (the fields a
 * receiver might read, not all of GitHub's), the event and delivery headers, and
 * X-Hub-Signature-256, the HMAC-SHA256 of the raw body under the hook's secret.
 */
export function githubPush(options: GithubPushOptions): GithubDelivery {
  const delivery = options.delivery ?? randomUUID();
  const fullName = new URL(options.cloneUrl).pathname.replace(/^\//, "").replace(/\.git$/, "");
  const body = Buffer.from(
    JSON.stringify({
      ref: options.ref ?? "refs/heads/main",
      before: options.before,
      after: options.after,
      created: false,
      deleted: false,
      forced: false,
      repository: { full_name: fullName, clone_url: options.cloneUrl, default_branch: "main" },
      pusher: { name: "fixture", email: "fixture@sluice.test" },
      head_commit: { id: options.after, message: "update settings" },
    }),
  );
  const signature = createHmac("sha256", options.secret).update(body).digest("hex");
  return {
    delivery,
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/0d1e2f3",
      "x-github-event": "push",
      "x-github-delivery": delivery,
      "x-github-hook-id": "123456789",
      "x-hub-signature-256": `sha256=${signature}`,
    },
  };
}
