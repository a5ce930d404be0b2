/** Shared steps of the passkey specs: the ceremonies through the HTTP API, with a SoftAuthenticator. */
import type { HttpResponse } from '../support/http';
import type { TestApp } from '../support/test-app';
import { type CreateOptions, type GetOptions, SoftAuthenticator } from './soft-authenticator';

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  deviceType: string;
  transports: string[];
}

export async function registrationOptions(t: TestApp, accessToken: string) {
  const response = await t.http.post('/auth/passkeys/register/options', {}, { token: accessToken });
  if (response.status !== 200) {
    throw new Error(`register/options failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

/** Both steps of a registration; the answer of the second, unasserted. */
export async function tryRegister(
  t: TestApp,
  accessToken: string,
  authenticator: SoftAuthenticator,
  tamper: CreateOptions = {},
  name?: string,
): Promise<HttpResponse<PasskeyView>> {
  const options = await registrationOptions(t, accessToken);
  const response = authenticator.create(options, tamper);
  return t.http.post<PasskeyView>(
    '/auth/passkeys/register',
    name === undefined ? { response } : { response, name },
    { token: accessToken },
  );
}

/** A registration that must succeed (201); the passkey. */
export async function addPasskey(
  t: TestApp,
  accessToken: string,
  authenticator: SoftAuthenticator,
  tamper: CreateOptions = {},
): Promise<PasskeyView> {
  const response = await tryRegister(t, accessToken, authenticator, tamper);
  if (response.status !== 201) {
    throw new Error(`register failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

export async function loginOptions(t: TestApp, body: Record<string, unknown> = {}) {
  const response = await t.http.post('/auth/passkeys/login/options', body);
  if (response.status !== 200) {
    throw new Error(`login/options failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

/** A discoverable sign-in: options, the authenticator's answer, and the login's answer. */
export async function passkeyLogin(
  t: TestApp,
  authenticator: SoftAuthenticator,
  tamper: GetOptions = {},
) {
  const options = await loginOptions(t);
  return t.http.post('/auth/passkeys/login', { response: authenticator.get(options, tamper) });
}

export const AMR_PASSKEY = ['hwk', 'mfa'];
export const AMR_PASSWORD_PASSKEY = ['pwd', 'hwk', 'mfa'];
