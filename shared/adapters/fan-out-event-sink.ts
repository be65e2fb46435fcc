import type { EventSink, ReconcileEvent } from "../ports/events.ts";

/**
 * One sink that publishes to several (on AWS: the event log and the bus). Every sink gets every
 * publish even when another fails, so a throttled log never keeps dependents from waking; the
 * failures are thrown afterwards for the caller to retry (events are delivered at least once).
 */
export function fanOutEventSink(sinks: readonly EventSink[]): EventSink {
  return {
    async publish(events: readonly ReconcileEvent[]): Promise<void> {
      if (events.length === 0) return;
      const results = await Promise.allSettled(sinks.map((sink) => sink.publish(events)));
      const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} event sinks failed`);
    },
  };
}
