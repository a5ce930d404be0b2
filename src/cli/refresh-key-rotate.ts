import 'reflect-metadata';
import { REFRESH_KEY_RING } from '../auth/refresh/refresh-derivation-key';
import { keyRingSource, rotateKeyRingFile } from '../config/key-ring-files';
import { latchSettingsFromEnv } from '../config/namespaces';
import { runCli } from './args';

/**
 * Adds a refresh-token derivation key to the key file (AUTH_REFRESH_KEY_FILE, or the
 * development file under DATA_DIR). Instances derive with it once restarted; the older keys
 * stay in the ring for grace-window replays and may be removed once every instance has run
 * with the new key for longer than AUTH_REUSE_GRACE.
 */
runCli(async () => {
  // Reading the configuration validates the environment first.
  const settings = latchSettingsFromEnv();
  const source = keyRingSource(REFRESH_KEY_RING, settings.refreshKey, settings.production);
  const { id, file } = rotateKeyRingFile(source, 'refresh');
  console.log(`added refresh key ${id} to ${file}; restart the instances to derive with it`);
  return Promise.resolve();
});
