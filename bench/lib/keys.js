// A fresh JWT_KEYS_DIR holding one ES256 (P-256) signing key, as an operator would create it.

const { createPublicKey, generateKeyPairSync } = require('node:crypto');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function createKeysDir() {
  const dir = mkdtempSync(join(tmpdir(), 'latch-bench-keys-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  // Latch derives the kid (RFC 7638 thumbprint) itself; the file name only orders keys.
  writeFileSync(join(dir, `${stamp}-bench.pem`), pem, { mode: 0o600, flag: 'wx' });
  return { dir, publicKeyPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) };
}

module.exports = { createKeysDir };
