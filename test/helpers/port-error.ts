import { isPortError, type PortError } from "../../shared/ports/errors.ts";

/** Awaits a promise that must reject with a PortError and returns it for inspection. */
export async function portErrorOf(promise: Promise<unknown>): Promise<PortError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPortError(error)) throw new Error(`expected a PortError, got ${String(error)}`);
  return error;
}
