import {
  type EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { PortError } from "../../ports/errors.ts";
import type { EventSink, ReconcileEvent } from "../../ports/events.ts";
import { formatKey } from "../../ports/object-key.ts";

export interface EventBridgeEventSinkOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus the stack creates. */
  readonly eventBusName: string;
  /** The events' `source`, what rules match first. @default "sluice" */
  readonly source?: string;
}

/** PutEvents takes at most 10 entries, together less than 256 KB as EventBridge counts them. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** Failed-entry codes that no retry can fix: the entry itself is wrong. */
const INPUT_ERROR_CODES = new Set(["InvalidArgument", "MalformedDetail", "ValidationException"]);

/**
 * Publishes reconcile events to an EventBridge bus, where rules wake dependents and route alerts.
 *
 * Each event becomes one entry: `DetailType` is the event's reason, `Time` its timestamp, and
 * `Detail` the ReconcileEvent itself as JSON — `{ key: { kind, namespace, name }, type, reason,
 * message, timestamp, revision?, metadata? }` — so a rule matches any of them, e.g.
 * `{ "source": ["sluice"], "detail": { "key": { "kind": ["Kustomization"] }, "type": ["Warning"] } }`,
 * and a consumer reads the detail back as a ReconcileEvent without translation.
 */
export class EventBridgeEventSink implements EventSink {
  readonly #client: EventBridgeClient;
  readonly #bus: string;
  readonly #source: string;

  constructor(options: EventBridgeEventSinkOptions) {
    if (!options.client) throw new TypeError("EventBridgeEventSink: client is required");
    if (!options.eventBusName) throw new TypeError("EventBridgeEventSink: eventBusName is required");
    this.#client = options.client;
    this.#bus = options.eventBusName;
    this.#source = options.source ?? "sluice";
  }

  /**
   * Sends every batch even when one has failed entries, then throws for the failures: `Invalid`
   * when EventBridge refused the entries themselves, `Transient` otherwise. The events that got
   * through stay published, so a retry of the whole list may deliver some twice (at least once).
   */
  async publish(events: readonly ReconcileEvent[]): Promise<void> {
    const batches = toBatches(events.map((event) => this.#entry(event)));
    let failed = 0;
    const codes: string[] = [];
    let sent = 0;
    for (const entries of batches) {
      try {
        const result = await this.#client.send(new PutEventsCommand({ Entries: entries }));
        failed += result.FailedEntryCount ?? 0;
        for (const entry of result.Entries ?? []) if (entry.ErrorCode) codes.push(entry.ErrorCode);
      } catch (error) {
        throw toPortError(
          error,
          `after ${sent - failed} of ${events.length} events were published to ${this.#bus}`,
        );
      }
      sent += entries.length;
    }
    if (failed > 0) {
      const inputErrors = codes.length === failed && codes.every((code) => INPUT_ERROR_CODES.has(code));
      throw new PortError(
        inputErrors ? "Invalid" : "Transient",
        `${failed} of ${events.length} events were not published to ${this.#bus}: ${tally(codes)}`,
      );
    }
  }

  #entry(event: ReconcileEvent): PutEventsRequestEntry {
    const detail = {
      key: { kind: event.key.kind, namespace: event.key.namespace, name: event.key.name },
      type: event.type,
      reason: event.reason,
      message: event.message,
      timestamp: event.timestamp,
      ...(event.revision !== undefined && { revision: event.revision }),
      ...(event.metadata !== undefined && { metadata: event.metadata }),
    };
    const entry: PutEventsRequestEntry = {
      EventBusName: this.#bus,
      Source: this.#source,
      DetailType: event.reason,
      Detail: JSON.stringify(detail),
      Time: new Date(event.timestamp),
    };
    // Checked before anything is sent, so an oversized event never leaves a batch half published.
    const size = entrySize(entry);
    if (size >= MAX_REQUEST_BYTES) {
      throw new PortError(
        "Invalid",
        `event ${event.reason} of ${formatKey(event.key)} is ${size} bytes; EventBridge takes less than ${MAX_REQUEST_BYTES}`,
      );
    }
    return entry;
  }
}

/** EventBridge's own count: Time is 14 bytes, strings their UTF-8 length; the bus name is free. */
function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, "utf8"));
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0)
  );
}

function toBatches(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length === MAX_ENTRIES || bytes + size >= MAX_REQUEST_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function tally(codes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code} ×${n}`).join(", ");
}

const TRANSIENT = new Set(["ThrottlingException", "InternalException", "TimeoutError"]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/**
 * The one place EventBridge and network errors become port errors. Set-up faults (a missing bus,
 * access denied) pass unchanged: no retry fixes them and the SDK's error names them best.
 */
function toPortError(error: unknown, context: string): unknown {
  if (error instanceof EventBridgeServiceException) {
    if (TRANSIENT.has(error.name) || error.$fault === "server" || error.$retryable) {
      return new PortError("Transient", `EventBridge ${error.name} ${context}`, { cause: error });
    }
    if (error.name === "ValidationException") {
      return new PortError("Invalid", `EventBridge refused the events ${context}: ${error.message}`, {
        cause: error,
      });
    }
    return error;
  }
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if ((name && TRANSIENT.has(name)) || (code && TRANSIENT_CODES.has(code))) {
    return new PortError("Transient", `EventBridge ${code ?? name} ${context}`, { cause: error });
  }
  return error;
}
