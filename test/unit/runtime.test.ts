import { describe, expect, it } from "vitest";

describe("runtime", () => {
  it("runs the suite on Node.js 24, the Lambda runtime, whatever the machine's own node is", () => {
    expect(process.versions.node.split(".")[0]).toBe("24");
  });
});
