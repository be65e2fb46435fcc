import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from "aws-lambda";
import { awsAdapters, awsConfigFromEnv } from "../shared/adapters/aws/runtime.ts";
import { createWebhookHandler } from "../shared/notify/receive-webhook.ts";
import { observability, withObservability } from "./observability.ts";

const tools = observability("receiver");
const receive = createWebhookHandler({ ...awsAdapters(awsConfigFromEnv()), log: tools.logger });

function headersOf(event: LambdaFunctionURLEvent): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

/**
 * Receivers' webhooks behind a public function URL: GitHub and the rest cannot sign with IAM,
 * so the handler verifies each request's token or signature itself, enqueues, and answers 202.
 */
export const handler = withObservability(
  async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> => {
    const body = event.body
      ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
      : Buffer.alloc(0);
    try {
      const response = await receive({
        method: event.requestContext.http.method,
        path: event.rawPath,
        headers: headersOf(event),
        body,
      });
      return {
        statusCode: response.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(response.body),
      };
    } catch (error) {
      tools.logger.error("webhook failed", { error: error instanceof Error ? error.message : String(error) });
      const failure = {
        error: { reason: "InternalError", message: "the webhook failed; see the receiver's logs" },
      };
      return {
        statusCode: 500,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(failure),
      };
    }
  },
  tools,
);
