/** A key of a ring (refresh derivation, TOTP encryption) must carry at least 256 bits. */
export const MIN_KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/**
 * Parses a key ring: base64 or base64url keys separated by commas or new lines, oldest first
 * (the last one is used for new work, every one is kept for reading what older keys made).
 * Empty lines and lines starting with `#` are skipped. Throws a one-line Error naming
 * `source`, never a value (callers turn it into a ConfigurationError).
 */
export function parseKeyRing(text: string, source: string): Buffer[] {
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
    if (key.length < MIN_KEY_BYTES) {
      throw new Error(
        `${source} key ${index + 1} must be base64 or base64url of at least ` +
          `${MIN_KEY_BYTES} bytes (value not shown)`,
      );
    }
    return key;
  });
}
