import { SpecError } from "./errors.ts";

type Spec = Readonly<Record<string, unknown>>;

function invalid(field: string, expected: string, value: unknown): SpecError {
  return new SpecError("InvalidSpec", field, `must be ${expected}, got ${JSON.stringify(value)}`);
}

/** `spec.<name>` as a string; undefined when absent, SpecError when another type. */
export function optionalString(spec: Spec, name: string, field = `spec.${name}`): string | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(field, "a string", value);
  return value;
}

export function requiredString(spec: Spec, name: string, field = `spec.${name}`): string {
  const value = optionalString(spec, name, field);
  if (value === undefined || value === "") throw new SpecError("InvalidSpec", field, "is required");
  return value;
}

export function optionalBoolean(spec: Spec, name: string, field = `spec.${name}`): boolean | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalid(field, "true or false", value);
  return value;
}

export function optionalObject(spec: Spec, name: string, field = `spec.${name}`): Spec | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(field, "an object", value);
  return value as Spec;
}

export function optionalArray(
  spec: Spec,
  name: string,
  field = `spec.${name}`,
): readonly unknown[] | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalid(field, "a list", value);
  return value;
}

export function optionalStringArray(spec: Spec, name: string, field = `spec.${name}`): string[] | undefined {
  const list = optionalArray(spec, name, field);
  if (!list) return undefined;
  return list.map((item, i) => {
    if (typeof item !== "string") throw invalid(`${field}[${i}]`, "a string", item);
    return item;
  });
}

/** One of a fixed set of values, with a default. */
export function oneOf<T extends string>(
  spec: Spec,
  name: string,
  allowed: readonly T[],
  fallback: T,
  field = `spec.${name}`,
): T {
  const value = optionalString(spec, name, field);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new SpecError(
      "InvalidSpec",
      field,
      `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}
