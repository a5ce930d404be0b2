import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { PasskeysRepository, PasskeyRow } from './passkeys.repository';
import { counterRegressed, WebAuthnCeremonies } from './webauthn-ceremonies';

/** What an assertion proved: a passkey, nothing, or a valid signature with a stale counter. */
export type AssertionResult =
  | { kind: 'valid'; passkey: PasskeyRow }
  | { kind: 'invalid' }
  | {
      kind: 'clone_suspected';
      passkey: PasskeyRow;
      storedCounter: number;
      receivedCounter: number;
    };

/**
 * Judges a sign-in response against the stored passkey it names: the signature by its public
 * key (with everything WebAuthnCeremonies checks), the user handle when the authenticator
 * sends one, and the counter, which is then moved on in a compare-and-swap.
 */
@Injectable()
export class PasskeyAssertions {
  constructor(
    private readonly passkeys: PasskeysRepository,
    private readonly ceremonies: WebAuthnCeremonies,
  ) {}

  async check(
    response: AuthenticationResponseJSON,
    challenge: string,
    options: { userId?: string; manager?: EntityManager } = {},
  ): Promise<AssertionResult> {
    const { manager } = options;
    if (response.id !== response.rawId) return { kind: 'invalid' };
    const passkey = await this.passkeys.findByCredentialId(
      Buffer.from(response.rawId, 'base64url'),
      manager,
    );
    if (!passkey || (options.userId !== undefined && passkey.user_id !== options.userId)) {
      return { kind: 'invalid' };
    }
    if (response.response.userHandle) {
      const handle = await this.passkeys.handleOf(passkey.user_id, manager);
      if (!handle || handle.toString('base64url') !== response.response.userHandle) {
        return { kind: 'invalid' };
      }
    }
    const verified = await this.ceremonies.verifyAssertion(response, challenge, {
      id: passkey.credential_id,
      publicKey: passkey.public_key,
      transports: passkey.transports,
    });
    if (!verified) return { kind: 'invalid' };
    const storedCounter = Number(passkey.counter);
    if (counterRegressed(storedCounter, verified.newCounter)) {
      return {
        kind: 'clone_suspected',
        passkey,
        storedCounter,
        receivedCounter: verified.newCounter,
      };
    }
    // Of two simultaneous uses carrying one counter, the second finds it moved: refused.
    const recorded = await this.passkeys.recordUse(
      passkey.id,
      passkey.counter,
      verified.newCounter,
      verified.backedUp,
      manager,
    );
    return recorded ? { kind: 'valid', passkey } : { kind: 'invalid' };
  }
}
