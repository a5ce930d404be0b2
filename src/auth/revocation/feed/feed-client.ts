import type { ServerResponse } from 'node:http';

/**
 * One open stream of the revocation feed. Everything it is sent goes to the connection at
 * once; what the peer does not read piles up in the socket's buffer, and past its budget the
 * client is dropped instead of buffered without bound.
 */
export class FeedClient {
  private closed = false;
  /** Bytes that may sit unread: the budget, and room for the snapshot to drain twice over. */
  private readonly budget: number;

  constructor(
    private readonly response: ServerResponse,
    snapshot: string,
    maxPendingBytes: number,
    private readonly onGone: (client: FeedClient, reason: 'closed' | 'slow') => void,
  ) {
    this.budget = maxPendingBytes + 2 * Buffer.byteLength(snapshot);
    response.on('close', () => this.gone('closed'));
    response.write(snapshot);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Writes a chunk of events or a heartbeat, or drops the client if it stopped reading. */
  send(chunk: string): void {
    if (this.closed) return;
    // Unread bytes past the budget: this chunk would only pile up behind them. (Measured
    // before the write, so one large chunk, the ids of one revoke-all, still goes out.)
    if (this.response.writableLength > this.budget) {
      this.gone('slow');
      this.response.destroy(); // what it has not read is thrown away with the socket
      return;
    }
    this.response.write(chunk);
  }

  /** Ends the stream cleanly (shutdown, or this instance can no longer vouch for the feed). */
  end(): void {
    if (this.closed) return;
    this.gone('closed');
    this.response.end();
  }

  private gone(reason: 'closed' | 'slow'): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this, reason);
  }
}
