import { describe, expect, it } from "vitest";
import { isNetworkError, isTransientSdkError, sdkErrorShape } from "../../shared/adapters/aws/sdk-errors.ts";

/** An error as the SDK deserialises a service's answer. */
function serviceError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

/** An error as Node raises it when no response arrived. */
function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });
}

describe("sdkErrorShape", () => {
  it("reads name, code, status, fault and retryable", () => {
    const error = serviceError("ThrottlingException", 400, { code: "ECONNRESET", $retryable: {} });
    expect(sdkErrorShape(error)).toEqual({
      name: "ThrottlingException",
      code: "ECONNRESET",
      status: 400,
      fault: "client",
      retryable: true,
    });
  });

  it("leaves out fields of the wrong type and reads nothing from a non-object", () => {
    expect(
      sdkErrorShape({ name: 7, code: 5, $fault: "maybe", $metadata: { httpStatusCode: "503" } }),
    ).toEqual({ name: undefined, code: undefined, status: undefined, fault: undefined, retryable: false });
    expect(sdkErrorShape({ $metadata: null }).status).toBeUndefined();
    expect(sdkErrorShape(undefined).name).toBeUndefined();
    expect(sdkErrorShape("ThrottlingException").name).toBeUndefined();
  });
});

describe("isTransientSdkError", () => {
  it("treats a throttling name as transient", () => {
    expect(isTransientSdkError(serviceError("ThrottlingException", 400))).toBe(true);
  });

  it("treats a 5xx status as transient", () => {
    expect(isTransientSdkError({ name: "Unknown", $metadata: { httpStatusCode: 502 } })).toBe(true);
  });

  it("treats 429 as transient", () => {
    expect(isTransientSdkError(serviceError("SomethingNew", 429))).toBe(true);
  });

  it("treats an error the SDK marked $retryable as transient", () => {
    expect(isTransientSdkError(serviceError("SomethingNew", 400, { $retryable: { throttling: true } }))).toBe(
      true,
    );
  });

  it('treats $fault: "server" as transient', () => {
    expect(isTransientSdkError({ name: "SomethingNew", $fault: "server" })).toBe(true);
  });

  it("treats a network error code as transient", () => {
    expect(isTransientSdkError(networkError("ECONNREFUSED"))).toBe(true);
    expect(isTransientSdkError(networkError("EAI_AGAIN"))).toBe(true);
  });

  it("treats the SDK's own timeout as transient", () => {
    expect(isTransientSdkError(Object.assign(new Error("socket timed out"), { name: "TimeoutError" }))).toBe(
      true,
    );
  });

  it("treats a name from extraNames as transient only when asked to", () => {
    const error = serviceError("ProvisionedThroughputExceededException", 400);
    expect(isTransientSdkError(error)).toBe(false);
    expect(
      isTransientSdkError(error, { extraNames: new Set(["ProvisionedThroughputExceededException"]) }),
    ).toBe(true);
  });

  it("does not treat access denied as transient", () => {
    expect(isTransientSdkError(serviceError("AccessDeniedException", 403))).toBe(false);
  });

  it("does not treat a 4xx validation error as transient", () => {
    expect(isTransientSdkError(serviceError("ValidationException", 400))).toBe(false);
  });

  it("does not treat a non-object as transient", () => {
    expect(isTransientSdkError(undefined)).toBe(false);
    expect(isTransientSdkError(null)).toBe(false);
    expect(isTransientSdkError("ThrottlingException")).toBe(false);
    expect(isTransientSdkError(503)).toBe(false);
  });

  it("does not treat a TLS certificate failure as transient", () => {
    expect(isTransientSdkError(networkError("CERT_HAS_EXPIRED"))).toBe(false);
  });
});

describe("isNetworkError", () => {
  it("recognises a failed connection and a timeout, not a service's answer", () => {
    expect(isNetworkError(networkError("ENOTFOUND"))).toBe(true);
    expect(isNetworkError({ name: "TimeoutError" })).toBe(true);
    expect(isNetworkError(serviceError("ServiceUnavailable", 503))).toBe(false);
  });
});
