import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from "aws-lambda";
import { awsAdapters, awsConfigFromEnv } from "../shared/adapters/aws/runtime.ts";
import { createApiHandler } from "../shared/control/http-api.ts";
import { observability, withObservability } from "./observability.ts";

const tools = observability("api");
const api = createApiHandler(awsAdapters(awsConfigFromEnv()));

/** The CLI's API behind an IAM-authenticated function URL. */
export const handler = withObservability(
  async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> => {
    try {
      const response = await api({
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: event.queryStringParameters ?? {},
        ...(event.body
          ? { body: event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body }
          : {}),
      });
      return {
        statusCode: response.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(response.body),
      };
    } catch (error) {
      tools.logger.error("api request failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      const body = {
        error: { reason: "InternalError", message: "the request failed; see the api function's logs" },
      };
      return { statusCode: 500, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    }
  },
  tools,
);
