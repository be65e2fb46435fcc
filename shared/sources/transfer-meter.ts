/** Remote calls and bytes a source made, so "a poll that finds nothing" can be shown to cost nothing. */
export class TransferMeter {
  requests = 0;
  bytesIn = 0;

  request(): void {
    this.requests++;
  }

  received(bytes: number): void {
    this.bytesIn += bytes;
  }

  reset(): void {
    this.requests = 0;
    this.bytesIn = 0;
  }
}
