/** Why the test environment could not be prepared or started; stable for callers to branch on. */
export type EnvErrorReason = "MissingTool" | "PortInUse" | "BuildFailed" | "StartFailed";

/**
 * A failure of the test environment itself (not of the code under test). Its message is one
 * line that names what is wrong and how to fix it, so a fresh machine fails loudly and clearly.
 */
export class EnvError extends Error {
  readonly reason: EnvErrorReason;

  constructor(reason: EnvErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EnvError";
    this.reason = reason;
  }
}
