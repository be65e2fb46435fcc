/**
 * JSON with every object's keys sorted, so equal values give equal text whatever order their
 * keys came in. The state stores keep specs in this form: "has the spec changed" is then a
 * string comparison the database itself can make inside a conditional write.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
