import { listKeyFiles, retireKeyFile } from '../auth/tokens/key-files';
import { runCli } from './args';
import { managedKeyDir } from './key-dir';

/** Retires a key: its tokens become invalid_token and it leaves the JWKS. */
runCli(async () => {
  const kid = process.argv[2];
  if (!kid) throw new Error('usage: npm run keys:retire -- KID');
  const { dir } = managedKeyDir();
  if (listKeyFiles(dir).length <= 1) throw new Error('refusing to retire the only signing key');
  if (!retireKeyFile(dir, kid)) throw new Error(`no key ${kid} in ${dir}`);
  console.log(`retired key ${kid} (moved to ${dir}/retired)`);
  return Promise.resolve();
});
