import { Inject, Injectable } from '@nestjs/common';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { PASSKEY_SETTINGS, PasskeySettings } from '../../latch.settings';
import { CHALLENGE_TTL_SECONDS } from './passkey-challenges';

/** docs/api.md: ES256 (-7) and RS256 (-257), offered and accepted, nothing else. */
export const PASSKEY_ALGORITHMS = [-7, -257];
const KNOWN_TRANSPORTS = new Set([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/** A credential as the browser lists it in `excludeCredentials` / `allowCredentials`. */
export interface CredentialDescriptor {
  id: Buffer;
  transports: string[];
}

/** What a verified registration proves about its new credential. */
export interface VerifiedCredential {
  credentialId: Buffer;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  aaguid: string;
}

/** What a verified assertion says. */
export interface VerifiedAssertion {
  newCounter: number;
  backedUp: boolean;
}

const descriptor = (credential: CredentialDescriptor) => ({
  id: credential.id.toString('base64url'),
  transports: credential.transports as never,
});

/** The challenge a response's `clientDataJSON` names; undefined for what cannot be read. */
export function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    const challenge = (data as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The WebAuthn ceremonies, through @simplewebauthn/server (it checks what the specification
 * asks: challenge, type, origin, rpId hash, flags, algorithm, attestation, signature). Its
 * failures are values here: undefined, never an exception, and never its message.
 */
@Injectable()
export class WebAuthnCeremonies {
  constructor(@Inject(PASSKEY_SETTINGS) private readonly settings: PasskeySettings) {}

  creationOptions(input: {
    challenge: Uint8Array<ArrayBuffer>;
    userHandle: Buffer;
    userName: string;
    displayName: string;
    exclude: CredentialDescriptor[];
  }): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userID: new Uint8Array(input.userHandle),
      userName: input.userName,
      userDisplayName: input.displayName,
      challenge: input.challenge,
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      attestationType: 'none',
      excludeCredentials: input.exclude.map(descriptor),
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
  }

  requestOptions(input: {
    challenge: Uint8Array<ArrayBuffer>;
    allow: CredentialDescriptor[];
  }): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return generateAuthenticationOptions({
      rpID: this.settings.rpId,
      challenge: input.challenge,
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      allowCredentials: input.allow.map(descriptor),
      userVerification: 'required',
    });
  }

  async verifyRegistration(
    response: RegistrationResponseJSON,
    expectedChallenge: string,
  ): Promise<VerifiedCredential | undefined> {
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        expectedType: 'webauthn.create',
        requireUserPresence: true,
        requireUserVerification: true,
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
      if (!result.verified) return undefined;
      const info = result.registrationInfo;
      return {
        credentialId: Buffer.from(info.credential.id, 'base64url'),
        publicKey: Buffer.from(info.credential.publicKey),
        counter: info.credential.counter,
        transports: [...new Set(response.response.transports ?? [])].filter((t) =>
          KNOWN_TRANSPORTS.has(t),
        ),
        backedUp: info.credentialBackedUp,
        deviceType: info.credentialDeviceType,
        aaguid: info.aaguid,
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Checks an assertion against the stored public key. The counter is left to the caller
   * (given as 0 here), so a regression is told apart from a bad signature: only a response
   * that is otherwise valid can point at a cloned authenticator.
   */
  async verifyAssertion(
    response: AuthenticationResponseJSON,
    expectedChallenge: string,
    credential: { id: Buffer; publicKey: Buffer; transports: string[] },
  ): Promise<VerifiedAssertion | undefined> {
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        expectedType: 'webauthn.get',
        requireUserVerification: true,
        credential: {
          id: credential.id.toString('base64url'),
          publicKey: new Uint8Array(credential.publicKey),
          counter: 0,
          transports: credential.transports,
        },
      });
      if (!result.verified) return undefined;
      return {
        newCounter: result.authenticationInfo.newCounter,
        backedUp: result.authenticationInfo.credentialBackedUp,
      };
    } catch {
      return undefined;
    }
  }
}

/** A counter that does not grow, when either value is non-zero (docs/api.md): a clone. */
export const counterRegressed = (stored: number, received: number) =>
  (stored > 0 || received > 0) && received <= stored;
