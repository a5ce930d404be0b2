import { latchSettingsFromEnv } from '../config/namespaces';

/** The folder the key commands manage: JWT_KEYS_DIR, or the development keys under DATA_DIR. */
export function managedKeyDir(): { dir: string; algorithm: 'ES256' | 'RS256' } {
  const { jwt } = latchSettingsFromEnv(); // validates the environment first
  if (!jwt.keysDir && jwt.privateKeyPem) {
    throw new Error('JWT_PRIVATE_KEY holds a single key; set JWT_KEYS_DIR to rotate keys');
  }
  return { dir: jwt.keysDir ?? jwt.devKeysDir, algorithm: jwt.algorithm };
}
