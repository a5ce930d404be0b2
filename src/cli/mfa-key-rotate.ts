import 'reflect-metadata';
import { MFA_KEY_RING } from '../auth/mfa/totp-secret-cipher';
import { keyRingSource, rotateKeyRingFile } from '../config/key-ring-files';
import { latchSettingsFromEnv } from '../config/namespaces';
import { runCli } from './args';

/**
 * Adds a TOTP encryption key to the key file (AUTH_MFA_KEY_FILE, or the development file
 * under DATA_DIR). Instances encrypt with it once restarted; each stored secret is sealed again
 * with it at its next accepted code. Older keys stay in the ring until no secret uses them
 * (docs/operations.md shows the query).
 */
runCli(async () => {
  // Reading the configuration validates the environment first.
  const settings = latchSettingsFromEnv();
  const source = keyRingSource(MFA_KEY_RING, settings.mfa, settings.production);
  const { id, file } = rotateKeyRingFile(source, 'mfa');
  console.log(`added TOTP key ${id} to ${file}; restart the instances to encrypt with it`);
  return Promise.resolve();
});
