import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { DeadLetter, QueueMessage, ReceiveInput, WorkQueue } from "../../shared/ports/queue.ts";

/** The fixture's queue must dead-letter a message on the receive after this many. */
export const CONTRACT_MAX_ATTEMPTS = 3;

export interface WorkQueueFixture {
  readonly queue: WorkQueue;
  /** A second, independent consumer of the same queue (its own connection or client). */
  readonly other: () => Promise<WorkQueue>;
}

/** Long enough that a message never reappears on its own during a test. */
const HELD_MS = 60_000;
/** Short enough to watch a message reappear; whole seconds, as SQS counts them. */
const BRIEF_MS = 1_000;
/** How long to keep polling before a test gives up: a failure bound, never an assertion. */
const PATIENCE_MS = 30_000;

const held: ReceiveInput = { max: 10, visibilityMs: HELD_MS, waitMs: 500 };

/** Polls until at least one message arrives. */
async function receiveSome(queue: WorkQueue, input: Partial<ReceiveInput> = {}): Promise<QueueMessage[]> {
  const deadline = Date.now() + PATIENCE_MS;
  while (Date.now() < deadline) {
    const got = await queue.receive({ ...held, ...input });
    if (got.length > 0) return got;
  }
  throw new Error(`nothing was delivered within ${PATIENCE_MS} ms`);
}

/** Polls until `check` accepts a value from `read`. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() >= deadline) throw new Error(`condition not met within ${PATIENCE_MS} ms`);
    await sleep(100);
  }
}

/** Receives, acks and returns every body until `count` have been delivered. */
async function drain(queue: WorkQueue, count: number): Promise<QueueMessage[]> {
  const delivered: QueueMessage[] = [];
  while (delivered.length < count) {
    for (const message of await receiveSome(queue)) {
      delivered.push(message);
      await queue.ack(message);
    }
  }
  return delivered;
}

async function expectNothing(queue: WorkQueue): Promise<void> {
  expect(await queue.receive({ ...held, waitMs: 1_000 })).toEqual([]);
}

function deadLetterOf(letters: readonly DeadLetter[], id: string): DeadLetter | undefined {
  return letters.find((letter) => letter.id === id);
}

export function workQueueContract(name: string, make: () => Promise<WorkQueueFixture>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    it("delivers a sent message and removes it for good once acked", async () => {
      const { queue } = await make();
      await queue.send([{ groupId: "GitRepository/flux-system/podinfo", body: '{"reconcile":1}' }]);
      const [message, ...rest] = await receiveSome(queue);
      expect(rest).toEqual([]);
      expect(message).toMatchObject({
        groupId: "GitRepository/flux-system/podinfo",
        body: '{"reconcile":1}',
        attempts: 1,
      });
      expect(message?.id).toEqual(expect.any(String));
      expect(message?.handle).toEqual(expect.any(String));
      await queue.ack(message as QueueMessage);
      await expectNothing(queue);
    });

    it("delivers each group's messages in send order, across batches of any size", async () => {
      const { queue } = await make();
      const sent = Array.from({ length: 14 }, (_, i) => ({
        groupId: i % 3 === 0 ? "B" : "A",
        body: `m${i}`,
      }));
      await queue.send(sent);
      const delivered = await drain(queue, sent.length);
      for (const group of ["A", "B"]) {
        expect(delivered.filter((m) => m.groupId === group).map((m) => m.body)).toEqual(
          sent.filter((m) => m.groupId === group).map((m) => m.body),
        );
      }
      await expectNothing(queue);
    });

    it("holds back a group while one of its messages is in flight, but not the other groups", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "a1" },
        { groupId: "A", body: "a2" },
      ]);
      const [a1] = await receiveSome(queue, { max: 1 });
      expect(a1?.body).toBe("a1");
      await queue.send([{ groupId: "B", body: "b1" }]);
      const whileHeld = await receiveSome(queue);
      expect(whileHeld.map((m) => m.body)).toEqual(["b1"]);
      await queue.ack(a1 as QueueMessage);
      const next = await receiveSome(queue);
      expect(next.map((m) => [m.body, m.attempts])).toEqual([["a2", 1]]);
    });

    it("drops a second message with the same dedupId, but never merges messages without one", async () => {
      const { queue } = await make();
      await queue.send([{ groupId: "A", body: "first", dedupId: "Kustomization/apps@7" }]);
      await queue.send([
        { groupId: "A", body: "duplicate", dedupId: "Kustomization/apps@7" },
        { groupId: "A", body: "same body" },
        { groupId: "A", body: "same body" },
      ]);
      const delivered = await drain(queue, 3);
      expect(delivered.map((m) => m.body)).toEqual(["first", "same body", "same body"]);
      await expectNothing(queue);
    });

    it("delivers an unacked message again once its visibility runs out, counting the attempt", async () => {
      const { queue } = await make();
      await queue.send([{ groupId: "A", body: "slow" }]);
      const [first] = await receiveSome(queue, { visibilityMs: BRIEF_MS });
      expect(first?.attempts).toBe(1);
      const [again, ...rest] = await receiveSome(queue);
      expect(rest).toEqual([]);
      expect(again).toMatchObject({ id: first?.id, body: "slow", attempts: 2 });
      expect(again?.handle).not.toBe(first?.handle);
      await queue.ack(again as QueueMessage);
      await expectNothing(queue);
    });

    it("hides a retried message for its delay and keeps its group blocked meanwhile", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "a1" },
        { groupId: "A", body: "a2" },
      ]);
      const [a1] = await receiveSome(queue, { max: 1 });
      await queue.retry(a1 as QueueMessage, 10 * 60_000);
      await queue.send([{ groupId: "B", body: "b1" }]);
      const whileDelayed = await receiveSome(queue);
      expect(whileDelayed.map((m) => m.body)).toEqual(["b1"]);
      await queue.ack(whileDelayed[0] as QueueMessage);
      await expectNothing(queue);
    });

    it("delivers a retried message again after its delay, before the rest of its group", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "a1" },
        { groupId: "A", body: "a2" },
      ]);
      const [a1] = await receiveSome(queue, { max: 1 });
      await queue.retry(a1 as QueueMessage, BRIEF_MS);
      const [again] = await receiveSome(queue, { max: 1 });
      expect(again).toMatchObject({ id: a1?.id, body: "a1", attempts: 2 });
      await queue.ack(again as QueueMessage);
      const [a2] = await receiveSome(queue, { max: 1 });
      expect(a2).toMatchObject({ body: "a2", attempts: 1 });
    });

    it("dead-letters a message received maxAttempts times and then lets its group go on", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "poison" },
        { groupId: "A", body: "behind" },
      ]);
      const attemptsSeen: number[] = [];
      let poisonId: string | undefined;
      let behind: QueueMessage | undefined;
      while (behind === undefined) {
        for (const message of await receiveSome(queue, { max: 1 })) {
          if (message.body === "behind") behind = message;
          else {
            poisonId = message.id;
            attemptsSeen.push(message.attempts);
            await queue.retry(message, 0);
          }
        }
      }
      expect(attemptsSeen).toEqual(Array.from({ length: CONTRACT_MAX_ATTEMPTS }, (_, i) => i + 1));
      expect(behind.attempts).toBe(1);
      await queue.ack(behind);
      const letters = await eventually(
        () => queue.listDeadLetters(10),
        (all) => deadLetterOf(all, poisonId ?? "") !== undefined,
      );
      const letter = deadLetterOf(letters, poisonId ?? "");
      expect(letter).toMatchObject({ groupId: "A", body: "poison", attempts: CONTRACT_MAX_ATTEMPTS });
      expect(letter?.reason).toContain(String(CONTRACT_MAX_ATTEMPTS));
      await expectNothing(queue);
    });

    it("dead-letters a message at once with the reason given, and never delivers it again", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "{not json" },
        { groupId: "A", body: "fine" },
      ]);
      const [corrupt] = await receiveSome(queue, { max: 1 });
      await queue.deadLetter(corrupt as QueueMessage, "corrupt body: Unexpected token n in JSON");
      const [fine] = await receiveSome(queue, { max: 1 });
      expect(fine?.body).toBe("fine");
      await queue.ack(fine as QueueMessage);
      const letters = await queue.listDeadLetters(10);
      expect(letters).toEqual([
        {
          id: corrupt?.id,
          groupId: "A",
          body: "{not json",
          attempts: 1,
          reason: "corrupt body: Unexpected token n in JSON",
        },
      ]);
      await expectNothing(queue);
    });

    it("lists dead letters oldest first, up to the limit, without consuming them", async () => {
      const { queue } = await make();
      await queue.send([
        { groupId: "A", body: "older" },
        { groupId: "A", body: "newer" },
      ]);
      for (const reason of ["first reason", "second reason"]) {
        const [message] = await receiveSome(queue, { max: 1 });
        await queue.deadLetter(message as QueueMessage, reason);
      }
      expect((await queue.listDeadLetters(10)).map((l) => [l.body, l.reason])).toEqual([
        ["older", "first reason"],
        ["newer", "second reason"],
      ]);
      expect((await queue.listDeadLetters(1)).map((l) => l.body)).toEqual(["older"]);
      expect((await queue.listDeadLetters(10)).map((l) => l.body)).toEqual(["older", "newer"]);
    });

    it("lets independent consumers share the work: each message once, one per group at a time, in order", async () => {
      const fixture = await make();
      const consumers = [fixture.queue, await fixture.other(), await fixture.other()];
      const groups = ["G0", "G1", "G2", "G3", "G4"];
      const sent = Array.from({ length: 6 }, (_, n) =>
        groups.map((g) => ({ groupId: g, body: `${g}#${n}` })),
      ).flat();
      await fixture.queue.send(sent);

      const started: { consumer: number; message: QueueMessage }[] = [];
      const busy = new Map<string, number>();
      const overlaps: string[] = [];
      const deadline = Date.now() + PATIENCE_MS;
      const consume = async (consumer: number, queue: WorkQueue) => {
        while (started.length < sent.length && Date.now() < deadline) {
          const batch = await queue.receive({ max: 4, visibilityMs: HELD_MS, waitMs: 200 });
          for (const message of batch) {
            const holder = busy.get(message.groupId);
            if (holder !== undefined)
              overlaps.push(
                `${message.body} on consumer ${consumer} while consumer ${holder} held the group`,
              );
            busy.set(message.groupId, consumer);
            started.push({ consumer, message });
            await sleep(Math.random() * 10);
            busy.delete(message.groupId);
            await queue.ack(message);
          }
        }
      };
      await Promise.all(consumers.map((queue, index) => consume(index, queue)));

      expect(overlaps).toEqual([]);
      // Every message once, at its first attempt: the visibility never ran out, so nothing repeats.
      expect(started.map((s) => `${s.message.body} attempt ${s.message.attempts}`).sort()).toEqual(
        sent.map((m) => `${m.body} attempt 1`).sort(),
      );
      expect(new Set(started.map((s) => s.message.id)).size).toBe(sent.length);
      for (const group of groups) {
        expect(started.filter((s) => s.message.groupId === group).map((s) => s.message.body)).toEqual(
          sent.filter((m) => m.groupId === group).map((m) => m.body),
        );
      }
      expect(new Set(started.map((s) => s.consumer)).size).toBeGreaterThan(1);
      await expectNothing(fixture.queue);
    });
  });
}
