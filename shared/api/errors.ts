/** Why an object's spec cannot be used as written; stable for status reasons and tests. */
export type SpecErrorReason = "InvalidDuration" | "InvalidSpec";

/** A problem in what the user wrote. Retrying will not help until the object changes. */
export class SpecError extends Error {
  readonly reason: SpecErrorReason;
  /** Dotted path of the offending field, e.g. `spec.interval`. */
  readonly field: string;

  constructor(reason: SpecErrorReason, field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "SpecError";
    this.reason = reason;
    this.field = field;
  }
}
