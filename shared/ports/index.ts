export type { ArtifactStore, Digest, StoredArtifact } from "./artifacts.ts";
export {
  type BucketConnection,
  type BucketConnector,
  BucketError,
  type BucketErrorReason,
  type BucketObject,
} from "./buckets.ts";
export { type Clock, systemClock } from "./clock.ts";
export type { ClusterConnector, ClusterTarget } from "./clusters.ts";
export { isPortError, PortError, type PortErrorReason } from "./errors.ts";
export type { EventLog, EventQuery, EventSink, ReconcileEvent } from "./events.ts";
export { formatKey, type ObjectKey, parseKey, sameKey } from "./object-key.ts";
export type { DeadLetter, OutgoingMessage, QueueMessage, ReceiveInput, WorkQueue } from "./queue.ts";
export type { RegistryLogin } from "./registry-login.ts";
export type { SecretRef, SecretStore } from "./secrets.ts";
export type {
  AcquireLeaseInput,
  Lease,
  ListObjectsFilter,
  ObjectMetadata,
  PutObjectInput,
  StateStore,
  StoredObject,
} from "./state.ts";
