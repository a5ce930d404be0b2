import { generateKeyFile } from '../auth/tokens/key-files';
import { runCli } from './args';
import { managedKeyDir } from './key-dir';

/**
 * Adds a signing key. Running instances pick it up within seconds and sign with it; tokens
 * signed by older keys keep verifying until they expire or the key is retired.
 */
runCli(async () => {
  const { dir, algorithm } = managedKeyDir();
  const key = generateKeyFile(dir, algorithm);
  console.log(`added ${algorithm} key ${key.kid} in ${dir}; it signs from now on`);
  return Promise.resolve();
});
