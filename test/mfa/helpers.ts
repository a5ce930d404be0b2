/**
 * Shared tools for the second-factor specs (docs: API.md "Second factor (v1.1)"): a TOTP clock
 * the test moves by whole 30 s steps, codes computed with otpauth at chosen times, enrolment,
 * the two login steps, and the amr of an access token.
 */
import { Secret, TOTP } from 'otpauth';
import { TotpClock } from '../../src/auth/mfa/totp-clock';
import { decodeJwt, expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { PASSWORD, registerUser, type TestApp, type TokenResponse } from '../support/test-app';

export const STEP_MS = 30_000;

export type Registered = Awaited<ReturnType<typeof registerUser>>;

export interface MfaUser extends Registered {
  /** The base32 TOTP secret the enrolment answered. */
  secret: string;
  /** The recovery codes the confirmation answered. */
  recoveryCodes: string[];
}

/** The 6-digit TOTP code of a base32 secret at a time (ms). */
export const codeAt = (secret: string, ms: number) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: ms });

/**
 * The server's TotpClock, held by the test: it starts 10 s into the current real 30 s step
 * (so the database clock and the TOTP clock agree to within a step) and moves only when told.
 * Restore with `jest.restoreAllMocks()`.
 */
export class TestClock {
  now: number;

  constructor(t: TestApp) {
    this.now = Math.floor(Date.now() / STEP_MS) * STEP_MS + 10_000;
    jest.spyOn(t.app.get(TotpClock), 'now').mockImplementation(() => this.now);
  }

  /** Moves the server's clock one step (or `steps`) forward; returns the new time. */
  tick(steps = 1): number {
    this.now += steps * STEP_MS;
    return this.now;
  }

  /** The code of the secret at the server's current time. */
  code(secret: string): string {
    return codeAt(secret, this.now);
  }

  /** A code that is neither the current, previous nor next step's of the secret. */
  wrongCode(secret: string): string {
    const near = [-1, 0, 1].map((step) => codeAt(secret, this.now + step * STEP_MS));
    return ['000000', '111111', '222222', '333333'].find((code) => !near.includes(code))!;
  }
}

/** The `amr` claim of an access token. */
export const amrOf = (accessToken: string): unknown => decodeJwt(accessToken).payload.amr;

export const PWD = ['pwd'];
export const PWD_OTP = ['pwd', 'otp', 'mfa'];
export const PWD_RECOVERY = ['pwd', 'mfa'];

/**
 * 16 lower-case base32 characters (80 bits) as `xxxx-xxxx-xxxx-xxxx` (docs/api.md; the contract
 * fixes no format).
 */
export const RECOVERY_CODE = /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/;

export const expectRecoveryCode = (code: string) => expect(code).toMatch(RECOVERY_CODE);

/** A code of the same shape as a real one that is not it (every character changed). */
export const lookalike = (code: string) =>
  code.replace(/[a-z0-9]/g, (char) => (char === 'a' ? 'b' : 'a'));

/** POST /auth/mfa/totp, asserted 200; returns the body. */
export async function startEnrolment(
  t: TestApp,
  accessToken: string,
): Promise<{ secret: string; otpauthUrl: string }> {
  const response = await t.http.post('/auth/mfa/totp', {}, { token: accessToken });
  if (response.status !== 200) {
    throw new Error(`enrolment failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

export const confirm = (t: TestApp, accessToken: string, code: unknown) =>
  t.http.post('/auth/mfa/totp/confirm', { code }, { token: accessToken });

/**
 * Turns TOTP on for a user (a new one unless given) from the user's registration session,
 * with the code of the clock's current step, then moves the clock one step on so the next
 * code is a new one.
 */
export async function enableTotp(
  t: TestApp,
  clock: TestClock,
  user?: Registered,
): Promise<MfaUser> {
  const owner = user ?? (await registerUser(t.http));
  const { secret } = await startEnrolment(t, owner.accessToken);
  const response = await confirm(t, owner.accessToken, clock.code(secret));
  if (response.status !== 200) {
    throw new Error(`confirm failed: ${response.status} ${response.text}`);
  }
  clock.tick();
  return { ...owner, secret, recoveryCodes: response.body.recoveryCodes };
}

export const passwordLogin = (t: TestApp, email: string, password = PASSWORD) =>
  t.http.post('/auth/login', { email, password });

/** The first step: the right password answers 401 mfa_required; returns its mfaToken. */
export async function mfaToken(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const response = await passwordLogin(t, email, password);
  expectProblem(response, 401, 'mfa_required', [password]);
  expect(typeof response.body.mfaToken).toBe('string');
  return response.body.mfaToken;
}

export const loginMfa = (t: TestApp, body: unknown): Promise<HttpResponse<TokenResponse>> =>
  t.http.post<TokenResponse>('/auth/login/mfa', body);

/** Both steps with the code of the clock's current step (asserted 200); moves the clock on. */
export async function loginWithCode(
  t: TestApp,
  clock: TestClock,
  user: MfaUser,
): Promise<TokenResponse> {
  const token = await mfaToken(t, user.email, user.password);
  const response = await loginMfa(t, { mfaToken: token, code: clock.code(user.secret) });
  if (response.status !== 200) {
    throw new Error(`login/mfa failed: ${response.status} ${response.text}`);
  }
  clock.tick();
  return response.body;
}

/** Both steps with a recovery code (asserted 200). */
export async function loginWithRecoveryCode(
  t: TestApp,
  email: string,
  recoveryCode: string,
): Promise<TokenResponse> {
  const token = await mfaToken(t, email);
  const response = await loginMfa(t, { mfaToken: token, recoveryCode });
  if (response.status !== 200) {
    throw new Error(`login/mfa failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

export const mfaStatus = (t: TestApp, accessToken: string) =>
  t.http.get<{ totpEnabled: boolean; recoveryCodesRemaining: number }>('/auth/mfa', {
    token: accessToken,
  });

export const disableTotp = (t: TestApp, accessToken: string, body: unknown) =>
  t.http.delete('/auth/mfa/totp', { token: accessToken, body });

export const newRecoveryCodes = (t: TestApp, accessToken: string) =>
  t.http.post('/auth/mfa/recovery-codes', {}, { token: accessToken });

/** The types of the caller's audit events (GET /auth/events), newest first. */
export async function eventTypes(t: TestApp, accessToken: string): Promise<string[]> {
  const response = await t.http.get<{ type: string }[]>('/auth/events', { token: accessToken });
  expect(response.status).toBe(200);
  return response.body.map((event) => event.type);
}

/** A recovery code as a user might type it: upper case, without the hyphens. */
export const sloppy = (code: string) => code.replace(/-/g, '').toUpperCase();

/** How many of a user's recovery codes are unused, read from the table. */
export async function unusedRecoveryCodes(t: TestApp, userId: string): Promise<number> {
  const rows = await t.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
    [userId],
  );
  return rows[0].n;
}
