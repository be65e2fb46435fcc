import type { Reconciler } from "./reconciler.ts";

/** Which reconciler handles which kind; built once at start-up by the runtime. */
export class ReconcilerRegistry {
  readonly #byKind = new Map<string, Reconciler>();

  constructor(reconcilers: readonly Reconciler[] = []) {
    for (const reconciler of reconcilers) this.register(reconciler);
  }

  register(reconciler: Reconciler): void {
    if (this.#byKind.has(reconciler.kind))
      throw new Error(`a reconciler for ${reconciler.kind} is already registered`);
    this.#byKind.set(reconciler.kind, reconciler);
  }

  get(kind: string): Reconciler | undefined {
    return this.#byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.#byKind.keys()].sort();
  }
}
