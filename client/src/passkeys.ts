import {
  LatchError,
  type LatchClient,
  type RegisterResponse,
  type TokenResponse,
} from './index.js';
import type { components } from './openapi.js';

type Schemas = components['schemas'];
export type Passkey = Schemas['PasskeyResponse'];
export type UnverifiedSignUp = Schemas['UnverifiedRegisterResponse'];

// The browser's own WebAuthn JSON helpers (WebAuthn Level 3), not in every lib.dom yet.
type Pkc = typeof PublicKeyCredential & {
  parseCreationOptionsFromJSON(json: unknown): PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON(json: unknown): PublicKeyCredentialRequestOptions;
};
const pkc = () => globalThis.PublicKeyCredential as Pkc | undefined;

/** Whether this browser can use passkeys with the JSON helpers this module relies on. */
export const passkeysSupported = () => typeof pkc()?.parseRequestOptionsFromJSON === 'function';

/** Whether the browser offers passkeys in an input's autofill (conditional mediation). */
export const autofillSupported = async () =>
  passkeysSupported() && !!(await pkc()!.isConditionalMediationAvailable?.());

/**
 * Passkeys for a `@latch/client` client (its own entry, so the core stays small):
 * `import { passkeys } from '@latch/client/passkeys'`. The browser does the ceremonies
 * (`PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`,
 * `credential.toJSON()`), the service checks them. A cancelled or failed browser prompt
 * rejects with LatchError `passkey_cancelled` (status 0).
 */
export function passkeys(client: LatchClient) {
  const { call, post, signIn } = client.via;
  let pending: AbortController | undefined;

  /** One browser prompt at a time: a new one ends a waiting autofill. */
  async function ceremony<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (!passkeysSupported()) throw new LatchError(0, 'passkey_unsupported');
    pending?.abort();
    const controller = (pending = new AbortController());
    try {
      return await run(controller.signal);
    } catch (error) {
      if (error instanceof LatchError) throw error;
      throw new LatchError(0, 'passkey_cancelled', (error as Error).message);
    } finally {
      if (pending === controller) pending = undefined;
    }
  }

  const create = (json: unknown, signal: AbortSignal) =>
    navigator.credentials
      .create({ publicKey: pkc()!.parseCreationOptionsFromJSON(json), signal })
      .then((credential) => (credential as PublicKeyCredential).toJSON());

  const get = (json: unknown, signal: AbortSignal, autofill?: boolean) =>
    navigator.credentials
      .get({
        publicKey: pkc()!.parseRequestOptionsFromJSON(json),
        signal,
        ...(autofill ? { mediation: 'conditional' as CredentialMediationRequirement } : {}),
      })
      .then((credential) => (credential as PublicKeyCredential).toJSON());

  return {
    /** Adds a passkey to the signed-in account (named after its provider unless `name`). */
    registerPasskey: (name?: string) =>
      ceremony(async (signal) => {
        const options = await call('/auth/passkeys/register/options', 'POST', {});
        const response = await create(options, signal);
        return call<Passkey>(
          '/auth/passkeys/register',
          'POST',
          name ? { response, name } : { response },
        );
      }),

    /**
     * Signs in with a discoverable passkey. `autofill: true` waits for the user to pick one in
     * an input marked `autocomplete="username webauthn"` (start it when the page loads; any
     * other passkey prompt ends it, rejecting with `passkey_cancelled`).
     */
    signInWithPasskey: ({ autofill = false }: { autofill?: boolean } = {}) =>
      ceremony(async (signal) => {
        const options = await post('/auth/passkeys/login/options', {});
        const response = await get(options, signal, autofill);
        return signIn<TokenResponse>('/auth/passkeys/login', { response });
      }),

    /**
     * A new account with a passkey and no password. Under AUTH_REQUIRE_VERIFIED_EMAIL it
     * resolves to `{ user }` alone and nobody is signed in until the address is verified.
     */
    signUpWithPasskey: (email: string, name?: string) =>
      ceremony(async (signal) => {
        const options = await post(
          '/auth/passkeys/signup/options',
          name ? { email, name } : { email },
        );
        const response = await create(options, signal);
        return signIn<RegisterResponse>('/auth/passkeys/signup', { response });
      }),

    /** Answers a login's pending second step (`mfaRequired`) with a passkey of the account. */
    verifyMfaWithPasskey: () =>
      ceremony(async (signal) => {
        const options = await post('/auth/passkeys/login/options', {}, true);
        const response = await get(options, signal);
        return signIn<TokenResponse>('/auth/login/mfa/passkey', { response }, true);
      }),

    /** The account's passkeys, newest first. */
    passkeys: () => call<Passkey[]>('/auth/passkeys'),
    renamePasskey: (id: string, name: string) =>
      call<Passkey>(`/auth/passkeys/${encodeURIComponent(id)}`, 'PATCH', { name }),
    /** Rejects with `last_sign_in_method` (409) when it is the account's last way in. */
    deletePasskey: (id: string) => call<void>(`/auth/passkeys/${encodeURIComponent(id)}`, 'DELETE'),
    /** Ends a waiting autofill sign-in. */
    abort: () => pending?.abort(),
  };
}
