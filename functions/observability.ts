import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/** Powertools' logger, metrics and tracer for one function, named after it. */
export function observability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: "sluice" }),
    tracer: new Tracer({ serviceName }),
  };
}

/**
 * The middleware every handler gets, and only cross-cutting concerns: request context in
 * the logs, metrics flushed at the end, a trace segment around the call.
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  { logger, metrics, tracer }: Observability,
) {
  return middy(handler)
    .use(captureLambdaHandler(tracer) as MiddlewareObj<TEvent, TResult>)
    .use(injectLambdaContext(logger, { clearState: true }) as MiddlewareObj<TEvent, TResult>)
    .use(logMetrics(metrics) as MiddlewareObj<TEvent, TResult>);
}
