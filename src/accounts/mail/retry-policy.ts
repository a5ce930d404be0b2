/** How the sender retries a mail that failed: exponential backoff, then give up. */
export const MAIL_RETRY = {
  /** Delay after the first failure, seconds; doubles with each further failure. */
  firstDelaySeconds: 2,
  maxDelaySeconds: 900,
  /** Attempts in all (about 2.8 hours of retries) before the mail is marked failed. */
  maxAttempts: 20,
  /**
   * How long a claimed mail is left to its sender before another may take it: a crashed
   * sender delays its mail by at most this. A live sender renews its claims every
   * `renewSeconds` while it sends, so no other instance takes a mail during a slow send
   * (an SMTP transaction may outlast any fixed claim: each reply has its own timeout).
   */
  claimSeconds: 30,
  renewSeconds: 10,
  /**
   * The whole of one send, after which it is aborted and counts as a failed attempt: a
   * tarpitting server that answers just inside each reply's timeout holds a sender no longer.
   */
  sendDeadlineSeconds: 120,
} as const;

/** Seconds to wait after the `attempts`-th failure, or null when the mail has failed for good. */
export function retryDelay(attempts: number): number | null {
  if (attempts >= MAIL_RETRY.maxAttempts) return null;
  const delay = MAIL_RETRY.firstDelaySeconds * 2 ** Math.max(0, attempts - 1);
  return Math.min(delay, MAIL_RETRY.maxDelaySeconds);
}
