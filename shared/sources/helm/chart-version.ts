/** `1.2.3+anything` with its build metadata replaced, as Flux marks repackaged charts. */
export function withBuildMetadata(version: string, metadata: string): string {
  const base = version.split("+")[0] ?? version;
  return `${base}+${metadata}`;
}
