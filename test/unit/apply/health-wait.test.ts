import { describe, expect, it } from "vitest";
import { describeHealthFailures } from "../../../shared/apply/health-wait.ts";

describe("describeHealthFailures", () => {
  const inProgress = {
    subject: "Deployment/app/web",
    state: "InProgress" as const,
    message: "Deployment/app/web: 1 of 3 replicas available",
  };
  const failed = {
    subject: "Job/app/migrate",
    state: "Failed" as const,
    message: "Job/app/migrate failed: BackoffLimitExceeded",
  };

  it("lists what the wait timed out on", () => {
    expect(describeHealthFailures({ healthy: false, failures: [inProgress] })).toBe(
      "timed out waiting for: Deployment/app/web: 1 of 3 replicas available",
    );
  });

  it("puts failed objects first when the wait ended early", () => {
    expect(describeHealthFailures({ healthy: false, failures: [inProgress, failed] })).toBe(
      "failed early: Job/app/migrate failed: BackoffLimitExceeded",
    );
    expect(describeHealthFailures({ healthy: true, failures: [] })).toBe("all objects are healthy");
  });
});
