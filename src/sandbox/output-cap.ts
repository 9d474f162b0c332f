/**
 * Accounting for a sandboxed run's output cap: bytes are kept up to `limit`; any byte past it — even in a
 * later chunk after one that ended exactly on the cap — is an overflow, and the run is killed at once.
 */
export class OutputCap {
  private used = 0;

  constructor(readonly limit: number) {}

  /** A chunk of `length` bytes arrived: how many of its bytes to keep, and whether the cap was exceeded. */
  take(length: number): { keep: number; overflow: boolean } {
    const room = this.limit - this.used;
    const keep = Math.max(0, Math.min(length, room));
    this.used += keep;
    return { keep, overflow: length > room };
  }
}
