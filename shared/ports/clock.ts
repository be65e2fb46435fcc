/** Time as the engine sees it; injected so tests can move it and schedules stay testable. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
