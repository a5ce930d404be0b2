/**
 * A software authenticator for the e2e specs: it makes P-256 (or RSA, or Ed25519) credentials
 * with node:crypto, writes attestation "none" in CBOR, signs assertions, and can tamper with
 * any field a relying party must check, so each check is proven by a refusal.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { cbor, textMap } from './cbor';

export const ORIGIN = 'http://localhost:3000';
export const RP_ID = 'localhost';

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

export type Algorithm = 'ES256' | 'RS256' | 'EdDSA';

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  algorithm: Algorithm;
  counter: number;
  userHandle: string;
}

/** Anything a ceremony's tampering may replace. */
export interface Tamper {
  challenge?: string;
  origin?: string;
  type?: string;
  rpId?: string;
  /** The authenticator-data flags (default UP | UV, plus BE | BS when `synced`). */
  flags?: number;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
  /** Flip a bit of the signature. */
  badSignature?: boolean;
  /** Sign with another credential's key while naming this one. */
  signWith?: string;
}

export interface CreateOptions extends Tamper {
  algorithm?: Algorithm;
  aaguid?: string;
  /** Use an existing credential again (its id and key) instead of a new one. */
  reuse?: string;
  synced?: boolean;
}

export interface GetOptions extends Tamper {
  /** Which credential (its base64url id); default the only one, or the newest. */
  credential?: string;
  /** Leave out the user handle. */
  noUserHandle?: boolean;
  /** Send this user handle instead of the credential's. */
  userHandle?: string;
}

type Json = Record<string, any>;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

function coseKey(privateKey: KeyObject, algorithm: Algorithm): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const b = (value?: string) => Buffer.from(value ?? '', 'base64url');
  if (algorithm === 'ES256') {
    return cbor(
      new Map<number, number | Buffer>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, b(jwk.x)],
        [-3, b(jwk.y)],
      ]),
    );
  }
  if (algorithm === 'RS256') {
    return cbor(
      new Map<number, number | Buffer>([
        [1, 3],
        [3, -257],
        [-1, b(jwk.n)],
        [-2, b(jwk.e)],
      ]),
    );
  }
  return cbor(
    new Map<number, number | Buffer>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, b(jwk.x)],
    ]),
  );
}

function newKey(algorithm: Algorithm): KeyObject {
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  if (algorithm === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return generateKeyPairSync('ed25519').privateKey;
}

function signWith(credential: Credential, data: Buffer): Buffer {
  return credential.algorithm === 'EdDSA'
    ? sign(null, data, credential.privateKey)
    : sign('sha256', data, credential.privateKey);
}

function counterBytes(counter: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(counter >>> 0);
  return out;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, Credential>();

  constructor(readonly origin = ORIGIN) {}

  /** navigator.credentials.create() answered: a RegistrationResponseJSON. */
  create(options: Json, tamper: CreateOptions = {}): Json {
    const algorithm = tamper.algorithm ?? 'ES256';
    const reused = tamper.reuse ? this.credentials.get(tamper.reuse) : undefined;
    const credential: Credential = reused ?? {
      id: randomBytes(16),
      privateKey: newKey(algorithm),
      algorithm,
      counter: 0,
      userHandle: options.user.id,
    };
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, tamper);
    const flags = tamper.flags ?? UP | UV | AT | (tamper.synced ? BE | BS : 0);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const aaguid = Buffer.from(
      (tamper.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''),
      'hex',
    );
    const authData = Buffer.concat([
      sha256(tamper.rpId ?? options.rp.id),
      Buffer.from([flags]),
      counterBytes(tamper.counter ?? 0),
      aaguid,
      idLength,
      credential.id,
      coseKey(credential.privateKey, credential.algorithm),
    ]);
    const attestationObject = cbor(textMap({ fmt: 'none', attStmt: new Map(), authData }));
    if (!reused) this.credentials.set(credential.id.toString('base64url'), credential);
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal', 'hybrid'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() answered: an AuthenticationResponseJSON. */
  get(options: Json, tamper: GetOptions = {}): Json {
    const credential = this.pick(tamper.credential);
    const counter = tamper.counter ?? credential.counter + 1;
    credential.counter = counter;
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tamper);
    const authenticatorData = Buffer.concat([
      sha256(tamper.rpId ?? options.rpId),
      Buffer.from([tamper.flags ?? UP | UV]),
      counterBytes(counter),
    ]);
    const signer = tamper.signWith ? this.pick(tamper.signWith) : credential;
    const signature = signWith(signer, Buffer.concat([authenticatorData, sha256(clientDataJSON)]));
    if (tamper.badSignature) signature[signature.length - 1] ^= 0x01;
    const id = credential.id.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authenticatorData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(tamper.noUserHandle ? {} : { userHandle: tamper.userHandle ?? credential.userHandle }),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** The base64url id of the newest credential. */
  get lastId(): string {
    return [...this.credentials.keys()].at(-1)!;
  }

  private pick(id?: string): Credential {
    const credential = this.credentials.get(id ?? this.lastId);
    if (!credential) throw new Error('no such credential in this authenticator');
    return credential;
  }

  private clientData(type: string, challenge: string, tamper: Tamper): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: tamper.type ?? type,
        challenge: tamper.challenge ?? challenge,
        origin: tamper.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }
}

export const FLAGS = { UP, UV, BE, BS, AT };
