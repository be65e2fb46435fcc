import { describe, expect, it } from "vitest";
import { splitCgiHeaders } from "../../env/git-server.ts";

describe("splitCgiHeaders", () => {
  it("reads the Status header and leaves the body untouched", () => {
    const parsed = splitCgiHeaders(
      Buffer.from("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nmissing\r\n\r\n"),
    );
    expect(parsed?.status).toBe(404);
    expect(parsed?.headers.get("Content-Type")).toBe("text/plain");
    expect(parsed?.body.toString()).toBe("missing\r\n\r\n");
  });

  it("accepts bare LF line ends and defaults to 200", () => {
    const parsed = splitCgiHeaders(
      Buffer.from("Content-Type: application/x-git-upload-pack-advertisement\n\n001e#"),
    );
    expect(parsed?.status).toBe(200);
    expect(parsed?.body.toString()).toBe("001e#");
  });

  it("waits for more output while the header block is incomplete", () => {
    expect(splitCgiHeaders(Buffer.from("Content-Type: text/plain\r\n"))).toBeUndefined();
  });
});
