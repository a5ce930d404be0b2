import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyFile,
  listKeyFiles,
  loadKeyDir,
  retireKeyFile,
  SigningAlgorithm,
  signingKeyFromPem,
} from './key-files';

const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();
const ecKey = (namedCurve = 'prime256v1') => generateKeyPairSync('ec', { namedCurve }).privateKey;
const rsaKey = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength }).privateKey;

/** RFC 7638 thumbprint, computed independently of the code under test. */
function thumbprint(jwk: Record<string, string>, members: string[]): string {
  const ordered: Record<string, string> = {};
  for (const member of [...members].sort()) ordered[member] = jwk[member];
  return createHash('sha256').update(JSON.stringify(ordered)).digest('base64url');
}

describe('signingKeyFromPem', () => {
  it('loads a P-256 key for ES256 with an RFC 7638 kid and a public-only JWK', () => {
    const key = signingKeyFromPem(pem(ecKey()), 'ES256', 'test');
    const jwk = key.publicKey.export({ format: 'jwk' }) as Record<string, string>;
    expect(key.kid).toBe(thumbprint(jwk, ['crv', 'kty', 'x', 'y']));
    expect(key.alg).toBe('ES256');
    expect(key.publicJwk).toEqual({ ...jwk, kid: key.kid, alg: 'ES256', use: 'sig' });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.privateKey.type).toBe('private');
    expect(key.publicKey.type).toBe('public');
  });

  it('loads an RSA key of 2048 bits for RS256', () => {
    const key = signingKeyFromPem(pem(rsaKey()), 'RS256', 'test');
    const jwk = key.publicKey.export({ format: 'jwk' }) as Record<string, string>;
    expect(key.kid).toBe(thumbprint(jwk, ['e', 'kty', 'n']));
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.kid });
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
      expect(key.publicJwk).not.toHaveProperty(part);
    }
  });

  it('gives the same key the same kid and different keys different kids', () => {
    const text = pem(ecKey());
    expect(signingKeyFromPem(text, 'ES256', 'a').kid).toBe(
      signingKeyFromPem(text, 'ES256', 'b').kid,
    );
    expect(signingKeyFromPem(pem(ecKey()), 'ES256', 'c').kid).not.toBe(
      signingKeyFromPem(text, 'ES256', 'd').kid,
    );
  });

  const refusals: [string, () => string, SigningAlgorithm, RegExp][] = [
    ['a P-384 key for ES256', () => pem(ecKey('secp384r1')), 'ES256', /EC P-256/],
    ['an RSA key for ES256', () => pem(rsaKey()), 'ES256', /EC P-256/],
    ['an EC key for RS256', () => pem(ecKey()), 'RS256', /RSA key of at least 2048/],
    ['a 1024-bit RSA key for RS256', () => pem(rsaKey(1024)), 'RS256', /RSA key of at least 2048/],
    ['text that is no PEM', () => 'hello', 'ES256', /not a readable PEM private key/],
    [
      'a public key',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          .publicKey.export({ format: 'pem', type: 'spki' })
          .toString(),
      'ES256',
      /not a readable PEM private key/,
    ],
  ];
  it.each(refusals)('refuses %s, naming the source', (_what, make, alg, message) => {
    expect(() => signingKeyFromPem(make(), alg, 'key file X.pem')).toThrow(message);
    expect(() => signingKeyFromPem(make(), alg, 'key file X.pem')).toThrow(/key file X\.pem/);
  });
});

describe('key folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latch-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists nothing for a folder that does not exist', () => {
    expect(listKeyFiles(join(dir, 'missing'))).toEqual([]);
    expect(loadKeyDir(join(dir, 'missing'), 'ES256')).toEqual([]);
  });

  it('writes a private key file readable by its owner only, named after its kid', () => {
    const keysDir = join(dir, 'keys');
    const key = generateKeyFile(keysDir, 'ES256');
    const files = readdirSync(keysDir);
    expect(files).toHaveLength(1);
    expect(files[0].endsWith(`-${key.kid}.pem`)).toBe(true);
    expect(statSync(join(keysDir, files[0])).mode & 0o777).toBe(0o600);
    expect(statSync(keysDir).mode & 0o777).toBe(0o700);
    const [loaded] = loadKeyDir(keysDir, 'ES256');
    expect(loaded.kid).toBe(key.kid);
  });

  it('orders keys oldest first, so the last one signs', async () => {
    const first = generateKeyFile(dir, 'ES256');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = generateKeyFile(dir, 'ES256');
    writeFileSync(join(dir, 'notes.txt'), 'not a key');
    expect(listKeyFiles(dir)).toHaveLength(2);
    expect(loadKeyDir(dir, 'ES256').map((key) => key.kid)).toEqual([first.kid, second.kid]);
  });

  it('retires a key by kid: it leaves the ring; an unknown kid retires nothing', () => {
    const old = generateKeyFile(dir, 'ES256');
    const current = generateKeyFile(dir, 'ES256');
    expect(retireKeyFile(dir, 'no-such-kid')).toBe(false);
    expect(listKeyFiles(dir)).toHaveLength(2);
    expect(retireKeyFile(dir, old.kid)).toBe(true);
    expect(loadKeyDir(dir, 'ES256').map((key) => key.kid)).toEqual([current.kid]);
    expect(readdirSync(join(dir, 'retired')).some((name) => name.includes(old.kid))).toBe(true);
    expect(retireKeyFile(dir, old.kid)).toBe(false);
  });

  it('refuses a folder holding a key of the wrong type, naming the file', () => {
    writeFileSync(join(dir, '20990101-rsa.pem'), pem(rsaKey()));
    expect(() => loadKeyDir(dir, 'ES256')).toThrow(/20990101-rsa\.pem/);
  });
});
