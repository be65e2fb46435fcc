import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { promisify } from "node:util";
import { type BuildOptions, build } from "esbuild";
import { AWS_RUNTIME_ENV } from "../shared/adapters/aws/runtime.ts";
import { type Figure, median, round } from "./results.ts";

const FUNCTIONS = ["scheduler", "worker", "api", "receiver"] as const;

/** Inside node_modules so the external `@aws-sdk/*` imports resolve from the project's packages. */
const OUT = new URL("../node_modules/.cache/sluice-bench/", import.meta.url);

/**
 * What SluiceFunction (infra/sluice-function.ts) gives NodejsFunction, as esbuild options.
 * NodejsFunction's default for Node 18+ runtimes marks `@aws-sdk/*` external (the runtime
 * provides SDK v3); `@smithy/*` stays bundled unless the sdkV3ExcludeSmithyPackages flag is on,
 * and cdk.json does not set it.
 */
const SLUICE_FUNCTION_BUNDLING = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  minify: true,
  sourcemap: true,
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  external: ["@aws-sdk/*"],
} satisfies BuildOptions;

/** Dummy configuration: module init builds clients but makes no request. */
const HANDLER_ENV = {
  ...Object.fromEntries(Object.values(AWS_RUNTIME_ENV).map((variable) => [variable, `bench-${variable}`])),
  SLUICE_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench.fifo",
  SLUICE_DEAD_LETTER_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-dlq.fifo",
  AWS_REGION: "us-east-1",
};

/** Milliseconds to import the bundle in a fresh node process, as Lambda's init phase would. */
async function importMs(file: string, fn: string, sourceMaps: boolean): Promise<number> {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(file)});
if (typeof m.handler !== "function") throw new Error("no handler export");
process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...HANDLER_ENV,
      // Powertools behaves as in Lambda (tracer on); SluiceFunction sets NODE_OPTIONS this way.
      AWS_LAMBDA_FUNCTION_NAME: `sluice-${fn}`,
      ...(sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
    },
  });
  return Number(stdout);
}

/** Size of each function's bundle and the time to import it cold, a proxy for Lambda init. */
export async function bundleFigures(runs = 5): Promise<Figure[]> {
  const figures: Figure[] = [];
  await rm(OUT, { recursive: true, force: true });
  for (const fn of FUNCTIONS) {
    const outfile = new URL(`${fn}/index.mjs`, OUT).pathname;
    const result = await build({
      ...SLUICE_FUNCTION_BUNDLING,
      entryPoints: [new URL(`../functions/${fn}.ts`, import.meta.url).pathname],
      outfile,
      metafile: true,
      logLevel: "warning",
    });
    const bytes = (suffix: string) =>
      Object.entries(result.metafile?.outputs ?? {}).find(([path]) => path.endsWith(suffix))?.[1].bytes ??
      Number.NaN;
    const withMaps: number[] = [];
    const withoutMaps: number[] = [];
    for (let i = 0; i < runs; i++) {
      withMaps.push(await importMs(outfile, fn, true));
      withoutMaps.push(await importMs(outfile, fn, false));
    }
    figures.push(
      {
        name: `bundle.${fn}.size`,
        value: round(bytes("index.mjs") / 1024, 1),
        unit: "KiB",
        detail: `ESM, minified, @aws-sdk/* external (NodejsFunction's default on Node 18+); source map ${Math.round(
          bytes("index.mjs.map") / 1024,
        )} KiB besides`,
      },
      {
        name: `bundle.${fn}.import`,
        value: round(median(withMaps), 1),
        unit: "ms",
        detail: `median of ${runs} fresh processes, --enable-source-maps as deployed (without: ${median(
          withoutMaps,
        ).toFixed(1)} ms); the SDK loads from node_modules`,
      },
    );
  }
  return figures;
}
