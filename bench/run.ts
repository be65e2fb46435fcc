import { fileURLToPath } from "node:url";
import { environmentFigures } from "./environment.ts";
import { report } from "./results.ts";

/** `npm run bench`: measures against the real test servers and writes bench/results.json. */
const figures = [...(await environmentFigures())];
await report(figures, fileURLToPath(new URL("./results.json", import.meta.url)));
