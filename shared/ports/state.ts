import type { ReferenceRelation } from "../api/references.ts";
import type { ObjectKey } from "./object-key.ts";

/** Metadata kept from the object's YAML; labels matter for receivers and alerts. */
export interface ObjectMetadata {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The desired state of one toolkit object as registered, with its status and schedule. */
export interface StoredObject {
  readonly key: ObjectKey;
  readonly apiVersion: string;
  readonly metadata: ObjectMetadata;
  readonly spec: Readonly<Record<string, unknown>>;
  /** Starts at 1; grows by one each time `spec` changes (metadata changes do not count). */
  readonly generation: number;
  /** Whatever the reconciler last wrote; undefined until the first status write. */
  readonly status: Readonly<Record<string, unknown>> | undefined;
  /**
   * Concurrency token for status writes: pass it back to `writeStatus`, which fails with a
   * `Conflict` PortError if anyone wrote status since. Opaque; only equality matters.
   */
  readonly statusVersion: number;
  /** When the object should next be reconciled (epoch ms); undefined when not scheduled. */
  readonly dueAt: number | undefined;
}

export interface PutObjectInput {
  readonly key: ObjectKey;
  readonly apiVersion: string;
  readonly metadata: ObjectMetadata;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** A held lease: only its holder may reconcile the object until `expiresAt`. */
export interface Lease {
  readonly key: ObjectKey;
  readonly holder: string;
  readonly expiresAt: number;
}

export interface AcquireLeaseInput {
  readonly key: ObjectKey;
  /** Who takes it: a worker id, unique per process or Lambda invocation. */
  readonly holder: string;
  readonly now: number;
  readonly ttlMs: number;
}

export interface ListObjectsFilter {
  readonly kind?: string;
  readonly namespace?: string;
}

/**
 * Objects, their status, leases and the due-time index. Every method is a single atomic
 * operation on the backing store; none reads then writes without a condition.
 */
export interface StateStore {
  /**
   * Creates or updates an object's desired state. The generation grows only when the spec
   * differs from the stored one; status and schedule are kept. A new object is due at once.
   */
  putObject(input: PutObjectInput): Promise<StoredObject>;
  getObject(key: ObjectKey): Promise<StoredObject | undefined>;
  listObjects(filter?: ListObjectsFilter): Promise<StoredObject[]>;
  /**
   * The objects whose spec refers to `target` in this way (see shared/api/references.ts), sorted
   * by key: a lookup in an index the store keeps with every putObject, so waking the readers of
   * a source or the dependents of an object costs what it finds, not what exists.
   */
  listReferrers(target: ObjectKey, relation: ReferenceRelation): Promise<ObjectKey[]>;
  /** Removes the object with its status, lease and schedule; false if it did not exist. */
  deleteObject(key: ObjectKey): Promise<boolean>;

  /**
   * Replaces the status if `expectedVersion` is still current and returns the new version;
   * otherwise throws a `Conflict` PortError. `NotFound` if the object is gone.
   */
  writeStatus(
    key: ObjectKey,
    status: Readonly<Record<string, unknown>>,
    expectedVersion: number,
  ): Promise<number>;

  /**
   * Takes the lease when it is free, expired, or already ours (then it is extended);
   * undefined when another holder has it. `NotFound` if the object does not exist.
   */
  acquireLease(input: AcquireLeaseInput): Promise<Lease | undefined>;
  /** Gives the lease up if we still hold it; a lease taken over by someone else is left alone. */
  releaseLease(lease: Lease): Promise<void>;

  /** Sets (or with undefined, clears) when the object is next due. */
  setDueAt(key: ObjectKey, dueAt: number | undefined): Promise<void>;
  /** Keys whose due time is at or before `now`, earliest first, at most `limit`. */
  listDue(now: number, limit: number): Promise<ObjectKey[]>;
}
