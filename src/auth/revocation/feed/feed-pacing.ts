import { Injectable } from '@nestjs/common';

/**
 * How the revocation feed paces itself: a provider of its own so that the e2e specs can
 * shorten the heartbeat and the slow-client budget instead of waiting 10 s or writing
 * megabytes (as TotpClock lets them move time).
 */
@Injectable()
export class FeedPacing {
  /** A comment at least this often (the contract asks for one at least every 15 s). */
  heartbeatMs(): number {
    return 10_000;
  }

  /**
   * Bytes a client may leave unread in its connection's buffer (beyond twice the snapshot it
   * was sent) before it is dropped: the bound on what one slow client costs.
   */
  maxPendingBytes(): number {
    return 256 * 1024;
  }
}
