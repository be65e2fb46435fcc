import { fileURLToPath } from "node:url";
import { startProcess } from "./process.ts";
import type { Running } from "./running.ts";
import { waitUntilReady } from "./wait.ts";

export interface MotoInfo {
  /** One endpoint for every AWS service moto emulates. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface MotoOptions {
  readonly motoPython: string;
  readonly dir: string;
  readonly port: number;
}

const ATOMIC_DYNAMODB_SERVER = fileURLToPath(new URL("./moto_atomic_dynamodb.py", import.meta.url));

/** moto in server mode: S3, DynamoDB, SQS, SNS, EventBridge, Secrets Manager on one port. */
export async function startMoto(options: MotoOptions): Promise<Running<MotoInfo>> {
  const proc = startProcess({
    name: "moto",
    command: options.motoPython,
    // moto.server, with DynamoDB requests made atomic as they are in AWS (see the script).
    args: [ATOMIC_DYNAMODB_SERVER, "-H", "127.0.0.1", "-p", String(options.port)],
    logDir: options.dir,
    // moto must never reach for real credentials or a real account.
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      MOTO_ALLOW_NONEXISTENT_REGION: "false",
    },
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilReady(proc, async () => (await fetch(`${endpoint}/moto-api/data.json`)).ok, {
      timeoutMs: 60_000,
    });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    info: { endpoint, region: "us-east-1", accessKeyId: "testing", secretAccessKey: "testing" },
    stop: () => proc.stop(),
  };
}
