import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export type SigningAlgorithm = 'ES256' | 'RS256';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public half as a JWK, ready for the JWKS document. */
  publicJwk: Record<string, string>;
}

const RETIRED_DIR = 'retired';

/** RFC 7638 thumbprint: a kid that names the key itself and cannot collide by accident. */
function thumbprint(jwk: Record<string, string>): string {
  const members = jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['e', 'kty', 'n'];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Loads one PEM private key and checks it suits the algorithm. */
export function signingKeyFromPem(pem: string, alg: SigningAlgorithm, source: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${source} is not a readable PEM private key`);
  }
  const details = privateKey.asymmetricKeyDetails;
  if (
    alg === 'ES256' &&
    (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1')
  ) {
    throw new Error(`${source} must be an EC P-256 key for ES256`);
  }
  if (
    alg === 'RS256' &&
    (privateKey.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048)
  ) {
    throw new Error(`${source} must be an RSA key of at least 2048 bits for RS256`);
  }
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = thumbprint(jwk);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** Key files in `dir`, oldest first: names start with a timestamp, so name order is age order. */
export function listKeyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.pem'))
    .sort();
}

export function loadKeyDir(dir: string, alg: SigningAlgorithm): SigningKey[] {
  return listKeyFiles(dir).map((name) =>
    signingKeyFromPem(readFileSync(join(dir, name), 'utf8'), alg, `key file ${name}`),
  );
}

/** Writes a new private key (mode 0600) that becomes the newest, signing key. */
export function generateKeyFile(dir: string, alg: SigningAlgorithm): SigningKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const key = signingKeyFromPem(pem, alg, 'generated key');
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  writeFileSync(join(dir, `${stamp}-${key.kid}.pem`), pem, { mode: 0o600, flag: 'wx' });
  return key;
}

/** Moves a key out of the ring: its tokens stop verifying and it leaves the JWKS. */
export function retireKeyFile(dir: string, kid: string): boolean {
  const name = listKeyFiles(dir).find((file) => file.endsWith(`-${kid}.pem`));
  if (!name) return false;
  mkdirSync(join(dir, RETIRED_DIR), { recursive: true, mode: 0o700 });
  renameSync(join(dir, name), join(dir, RETIRED_DIR, name));
  return true;
}
