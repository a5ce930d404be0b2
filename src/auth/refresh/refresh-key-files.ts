import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError } from '../../config/environment';
import { MIN_REFRESH_KEY_BYTES, parseRefreshKeys } from '../../config/refresh-keys';

const HEADER =
  '# Latch refresh-token derivation keys, oldest first: the last one derives new successors,\n' +
  '# every one is tried when a token is replayed inside AUTH_REUSE_GRACE. Keep this file 0600.\n';

/** A short public name for a key in logs: a truncated hash, never the key. */
export function refreshKeyId(key: Buffer): string {
  return createHash('sha256')
    .update('latch/refresh-key-id\0')
    .update(key)
    .digest('hex')
    .slice(0, 12);
}

/** Parses a ring (see parseRefreshKeys); a bad one is a ConfigurationError naming `source`. */
export function refreshKeysFrom(text: string, source: string): Buffer[] {
  try {
    return parseRefreshKeys(text, source);
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: ${(error as Error).message}`);
  }
}

/** Reads a key file (one key a line, oldest first). */
export function readRefreshKeyFile(path: string, source: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigurationError(`Invalid configuration: ${source} (${path}) cannot be read`);
  }
  return refreshKeysFrom(text, source);
}

/**
 * Appends a new random key (it becomes the deriving one); creates the file with mode 0600,
 * in a folder of mode 0700, when it does not exist. Returns the new key's id.
 */
export function addRefreshKey(path: string): string {
  const key = randomBytes(MIN_REFRESH_KEY_BYTES);
  const line = `${key.toString('base64url')}\n`;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    appendFileSync(path, text === '' || text.endsWith('\n') ? line : `\n${line}`);
  } else {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, HEADER + line, { mode: 0o600, flag: 'wx' });
  }
  return refreshKeyId(key);
}
