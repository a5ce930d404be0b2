import 'reflect-metadata';
import { MFA_KEY_HEADER } from '../auth/mfa/totp-secret-cipher';
import { addKeyToRing, keyId } from '../config/key-ring-files';
import { mfaConfig } from '../config/namespaces';
import { runCli } from './args';

/**
 * Adds a TOTP encryption key to the key file (AUTH_MFA_KEY_FILE, or the development file
 * under DATA_DIR). Instances encrypt with it once restarted; each stored secret is sealed again
 * with it at its next successful code. Older keys stay in the ring until no secret uses them
 * (docs/operations.md shows the query).
 */
runCli(async () => {
  const config = mfaConfig(); // validates the environment first
  if (config.inline) {
    throw new Error(
      'AUTH_MFA_KEY is set: add the new key at the end of that variable instead (docs/operations.md)',
    );
  }
  const file = config.file ?? config.devFile;
  const id = keyId(addKeyToRing(file, MFA_KEY_HEADER), 'mfa');
  console.log(`added TOTP key ${id} to ${file}; restart the instances to encrypt with it`);
  return Promise.resolve();
});
