import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigurationError } from './environment';
import { MIN_KEY_BYTES, parseKeyRing } from './key-ring';

/** What names a ring: its variables (for messages) and the comment atop a generated file. */
export interface KeyRingNames {
  /** e.g. AUTH_MFA_KEY and AUTH_MFA_KEY_FILE. */
  inlineName: string;
  fileName: string;
  /** What the keys are for, written at the top of a generated file. */
  header: string;
}

/** Where a configured ring is: inline, in a file, or (outside production) a development file. */
export interface KeyRingLocation {
  inline?: string;
  file?: string;
  /** Generated outside production when neither variable is set. */
  devFile: string;
}

/** Where a ring comes from, as loading and rotating it need to know. */
export interface KeyRingSource extends KeyRingNames, KeyRingLocation {
  production: boolean;
}

export const keyRingSource = (
  names: KeyRingNames,
  location: KeyRingLocation,
  production: boolean,
): KeyRingSource => ({
  ...names,
  inline: location.inline,
  file: location.file,
  devFile: location.devFile,
  production,
});

/** A short public name for a key in logs and rows: a truncated hash, never the key. */
export function keyId(key: Buffer, purpose: string): string {
  return createHash('sha256')
    .update(`latch/${purpose}-key-id\0`)
    .update(key)
    .digest('hex')
    .slice(0, 12);
}

/** Parses a ring (see parseKeyRing); a bad one is a ConfigurationError naming `source`. */
export function keyRingFrom(text: string, source: string): Buffer[] {
  try {
    return parseKeyRing(text, source);
  } catch (error) {
    throw new ConfigurationError(`Invalid configuration: ${(error as Error).message}`);
  }
}

/** Reads a key file (one key a line, oldest first). */
export function readKeyRingFile(path: string, source: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigurationError(`Invalid configuration: ${source} (${path}) cannot be read`);
  }
  return keyRingFrom(text, source);
}

/**
 * Appends a new random key (it becomes the one in use); creates the file with mode 0600, in
 * a folder of mode 0700, when it does not exist. Returns the new key.
 */
export function addKeyToRing(path: string, header: string): Buffer {
  const key = randomBytes(MIN_KEY_BYTES);
  const line = `${key.toString('base64url')}\n`;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    appendFileSync(path, text === '' || text.endsWith('\n') ? line : `\n${line}`);
  } else {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, header + line, { mode: 0o600, flag: 'wx' });
  }
  return key;
}

/**
 * The ring, from the inline variable, the file variable, or (outside production only) a
 * development file under DATA_DIR, generated on first start.
 */
export function loadKeyRing(source: KeyRingSource, logger: Logger): Buffer[] {
  if (source.inline) return keyRingFrom(source.inline, source.inlineName);
  if (source.file) return readKeyRingFile(source.file, source.fileName);
  if (source.production) {
    throw new ConfigurationError(
      `Invalid configuration: ${source.inlineName} or ${source.fileName} must be set when NODE_ENV=production`,
    );
  }
  if (!existsSync(source.devFile)) {
    addKeyToRing(source.devFile, source.header);
    logger.log(`generated a development key for ${source.inlineName} in ${source.devFile}`);
  }
  return readKeyRingFile(source.devFile, `the development key file ${source.devFile}`);
}

/**
 * What `npm run keys:rotate-refresh` and `keys:rotate-mfa` do: appends a key to the ring's
 * file (the configured one, else the development one). A ring given inline cannot be written
 * to: the operator appends to the variable instead.
 */
export function rotateKeyRingFile(
  source: KeyRingSource,
  purpose: string,
): { id: string; file: string } {
  if (source.inline) {
    throw new Error(
      `${source.inlineName} is set: add the new key at the end of that variable instead (docs/operations.md)`,
    );
  }
  const file = source.file ?? source.devFile;
  return { id: keyId(addKeyToRing(file, source.header), purpose), file };
}
