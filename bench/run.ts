import { fileURLToPath } from "node:url";
import { startEnvironment } from "../test/env/environment.ts";
import { applyFigures } from "./apply.ts";
import { awsBackend, localBackend } from "./backends.ts";
import { bundleFigures } from "./bundles.ts";
import { environmentFigures } from "./environment.ts";
import { gitopsFigures } from "./gitops.ts";
import { loopFigures } from "./loop.ts";
import { renderFigures } from "./render.ts";
import { type Figure, report } from "./results.ts";
import { schedulerFigures } from "./scheduler.ts";
import { gitSourceFigures } from "./sources-git.ts";

/**
 * moto's SQS recomputes every queue attribute, ApproximateNumberOfMessages included, over all
 * stored messages several times per message sent: a send costs O(queue depth), so filling one
 * FIFO queue is quadratic. 1,000 messages take over a minute there; 10,000 would take hours.
 */
const MOTO_SEND_LIMIT = {
  objects: 1_000,
  reason: "moto's SQS send is O(queue depth), so 10,000 on one queue would take hours; listDue only",
};

/** `npm run bench`: measures against the real test servers and writes bench/results.json. */
const figures: Figure[] = [...(await environmentFigures())];
const env = await startEnvironment();
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void env.stop().finally(() => process.exit(130)));
try {
  const adapters = { local: localBackend, aws: awsBackend(env.info.aws) };
  for (const [adapter, factory] of Object.entries(adapters)) {
    console.error(`bench: reconcile loop on ${adapter}`);
    figures.push(...(await loopFigures(adapter, factory)));
  }
  console.error("bench: scheduler on local");
  figures.push(...(await schedulerFigures("local", adapters.local)));
  console.error("bench: scheduler on aws");
  figures.push(...(await schedulerFigures("aws", adapters.aws, { sendAtMost: MOTO_SEND_LIMIT })));
  console.error("bench: Git source");
  figures.push(...(await gitSourceFigures(env.info)));
  console.error("bench: render");
  figures.push(...(await renderFigures(env.info.tools.kubectl)));
  console.error("bench: apply");
  figures.push(...(await applyFigures(env.info)));
  console.error("bench: GitOps end to end");
  figures.push(...(await gitopsFigures(env.info)));
} finally {
  await env.stop();
}
console.error("bench: function bundles");
figures.push(...(await bundleFigures()));
await report(figures, fileURLToPath(new URL("./results.json", import.meta.url)));
