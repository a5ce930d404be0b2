import 'reflect-metadata';
import { REFRESH_KEY_HEADER } from '../auth/refresh/refresh-derivation-key';
import { addKeyToRing, keyId } from '../config/key-ring-files';
import { refreshKeyConfig } from '../config/namespaces';
import { runCli } from './args';

/**
 * Adds a refresh-token derivation key to the key file (AUTH_REFRESH_KEY_FILE, or the
 * development file under DATA_DIR). Instances derive with it once restarted; the older keys
 * stay in the ring for grace-window replays and may be removed once every instance has run
 * with the new key for longer than AUTH_REUSE_GRACE.
 */
runCli(async () => {
  const config = refreshKeyConfig(); // validates the environment first
  if (config.inline) {
    throw new Error(
      'AUTH_REFRESH_KEY is set: add the new key at the end of that variable instead (docs/operations.md)',
    );
  }
  const file = config.file ?? config.devFile;
  const id = keyId(addKeyToRing(file, REFRESH_KEY_HEADER), 'refresh');
  console.log(`added refresh key ${id} to ${file}; restart the instances to derive with it`);
  return Promise.resolve();
});
