/** A started part of the test environment: what tests need to reach it, and how to stop it. */
export interface Running<Info> {
  readonly info: Info;
  stop(): Promise<void>;
}

/** Stops parts in reverse start order; every stop is attempted even if one fails. */
export async function stopAll(parts: readonly { stop(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled([...parts].reverse().map((part) => part.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
