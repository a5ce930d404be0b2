import { MAIL_RETRY, retryDelay } from './retry-policy';

describe('mail retry policy', () => {
  it('doubles from the first delay up to the ceiling', () => {
    expect(retryDelay(1)).toBe(2);
    expect(retryDelay(2)).toBe(4);
    expect(retryDelay(5)).toBe(32);
    expect(retryDelay(15)).toBe(MAIL_RETRY.maxDelaySeconds);
  });

  it('gives up after the last attempt', () => {
    expect(retryDelay(MAIL_RETRY.maxAttempts - 1)).not.toBeNull();
    expect(retryDelay(MAIL_RETRY.maxAttempts)).toBeNull();
  });
});
