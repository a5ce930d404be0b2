/** A derivation key must carry at least 256 bits. */
export const MIN_REFRESH_KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/**
 * Parses a refresh-key ring: base64 or base64url keys separated by commas or new lines,
 * oldest first (the last one derives new successors, every one is tried on a grace replay).
 * Empty lines and lines starting with `#` are skipped. Throws a one-line Error naming
 * `source`, never a value (callers turn it into a ConfigurationError).
 */
export function parseRefreshKeys(text: string, source: string): Buffer[] {
  const items = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) {
    throw new Error(`${source} holds no key`);
  }
  return items.map((item, index) => {
    const key = BASE64.test(item) ? Buffer.from(item, 'base64') : Buffer.alloc(0);
    if (key.length < MIN_REFRESH_KEY_BYTES) {
      throw new Error(
        `${source} key ${index + 1} must be base64 or base64url of at least ` +
          `${MIN_REFRESH_KEY_BYTES} bytes (value not shown)`,
      );
    }
    return key;
  });
}
