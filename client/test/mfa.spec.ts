import type { LatchClientOptions } from '../src/index.js';
import { flush, harness, json, problem } from './harness.js';

// The second factor: login answered mfa_required, verifyMfa, and the management routes.

const MFA_TOKEN = 'mfa-token-secret-opaque';
const mfaRequired = () =>
  json(401, { type: 'about:blank', status: 401, code: 'mfa_required', mfaToken: MFA_TOKEN });
const credentials = { email: 'ada@example.com', password: 'correct horse' };

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  jest.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

/** A signed-out client whose next login answers mfa_required; storage writes recorded. */
async function pending(options: Partial<LatchClientOptions> = {}) {
  const writes: (string | null)[] = [];
  const h = harness({
    storage: { get: () => writes.at(-1), set: (token) => void writes.push(token) },
    ...options,
  });
  h.script('POST /auth/refresh', () => problem(401, 'invalid_grant')); // no cookie at start
  await h.client.ready;
  h.script('POST /auth/login', mfaRequired);
  const result = await h.client.login(credentials);
  return { ...h, writes, result };
}

describe.each(['body', 'cookie'] as const)('second step, %s transport', (transport) => {
  it('login resolves mfaRequired, keeps the token inside, and verifyMfa signs in', async () => {
    const { client, result, events, calls, writes } = await pending({ transport });
    expect(result).toEqual({ mfaRequired: true });
    expect(client.state).toBe('mfa-required');
    expect(events.map((event) => event.type)).toEqual(['signed-out', 'mfa-required']);
    expect(JSON.stringify(result)).not.toContain(MFA_TOKEN);
    expect(await client.getAccessToken()).toBeUndefined();
    expect(writes).toEqual(transport === 'body' ? [null] : []); // the start's sign-out only

    const granted = await client.verifyMfa('123456');
    const step = calls.at(-1)!;
    expect(step.key).toBe('POST /auth/login/mfa');
    expect(step.body).toEqual({ mfaToken: MFA_TOKEN, code: '123456' });
    expect(step.init.credentials).toBe(transport === 'cookie' ? 'include' : 'same-origin');
    expect(new Headers(step.init.headers).get('x-requested-with')).toBe('XMLHttpRequest');
    expect(granted).toMatchObject({ accessToken: 'at1', sessionId: 'sid-1' });
    expect(granted).not.toHaveProperty('refreshToken');
    expect(client.state).toBe('signed-in');
    expect(events.at(-1)).toMatchObject({ type: 'signed-in' });
    expect(await client.getAccessToken()).toBe('at1');
    // only the refresh token, and only with the body transport, is ever stored
    expect(writes).toEqual(transport === 'body' ? [null, 'rt1'] : []);
    expect(writes).not.toContain(MFA_TOKEN);
  });
});

describe('second step', () => {
  it('a login without a second factor resolves the token response with mfaRequired false', async () => {
    const { client } = harness();
    await client.ready;
    await expect(client.login(credentials)).resolves.toMatchObject({
      mfaRequired: false,
      accessToken: 'at1',
    });
  });

  it('sends a recovery code instead of a code', async () => {
    const { client, calls } = await pending();
    await client.verifyMfa({ recoveryCode: 'abcde-fghij' });
    expect(calls.at(-1)?.body).toEqual({ mfaToken: MFA_TOKEN, recoveryCode: 'abcde-fghij' });
    expect(client.state).toBe('signed-in');
  });

  it('a wrong code rejects invalid_mfa_code and the user retries with the same step', async () => {
    const { client, script, calls, events } = await pending();
    script('POST /auth/login/mfa', () => problem(401, 'invalid_mfa_code'));
    const error = await client.verifyMfa('000000').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LatchError', status: 401, code: 'invalid_mfa_code' });
    expect(JSON.stringify(error)).not.toContain(MFA_TOKEN);
    expect(client.state).toBe('mfa-required');
    expect(events.at(-1)).toMatchObject({ type: 'mfa-required' });

    await client.verifyMfa({ code: '654321' });
    expect(calls.at(-1)?.body).toEqual({ mfaToken: MFA_TOKEN, code: '654321' });
    expect(client.state).toBe('signed-in');
  });

  it('invalid_grant (step used, expired or voided) signs out with reason mfa_token_invalid', async () => {
    const { client, script, events, count } = await pending();
    script('POST /auth/login/mfa', () => problem(401, 'invalid_grant'));
    await expect(client.verifyMfa('123456')).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(client.state).toBe('signed-out');
    expect(events.at(-1)).toMatchObject({ type: 'signed-out', reason: 'mfa_token_invalid' });
    // the step is gone: nothing is sent without a new login
    await expect(client.verifyMfa('123456')).rejects.toMatchObject({ code: 'mfa_not_pending' });
    expect(count('POST /auth/login/mfa')).toBe(1);
  });

  it('cancelMfa forgets the step and signs out this tab without calling the service', async () => {
    const { client, events, calls } = await pending();
    const sent = calls.length;
    await client.cancelMfa();
    expect(client.state).toBe('signed-out');
    expect(events.at(-1)).toMatchObject({ type: 'signed-out', reason: 'logout' });
    expect(calls.length).toBe(sent);
    await expect(client.verifyMfa('123456')).rejects.toMatchObject({ code: 'mfa_not_pending' });
  });

  it('other login errors still reject as before and leave no step pending', async () => {
    const { client, script } = harness();
    await client.ready;
    script('POST /auth/login', () => problem(401, 'invalid_credentials'));
    await expect(client.login(credentials)).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(client.state).not.toBe('mfa-required');
    await expect(client.verifyMfa('123456')).rejects.toMatchObject({ code: 'mfa_not_pending' });
  });
});

describe('managing the second factor', () => {
  async function signedIn() {
    const h = harness();
    await h.client.ready;
    await h.client.login(credentials);
    return h;
  }

  it('calls each route with the access token and returns its body', async () => {
    const { client, script, calls } = await signedIn();
    script('GET /auth/mfa', () => json(200, { totpEnabled: false, recoveryCodesRemaining: 0 }));
    script('POST /auth/mfa/totp', () =>
      json(200, { secret: 'JBSWY3DPEHPK3PXP', otpauthUrl: 'otpauth://totp/Latch:ada' }),
    );
    const codes = Array.from({ length: 10 }, (_, i) => `code${i}-aaaaa`);
    script('POST /auth/mfa/totp/confirm', () => json(200, { recoveryCodes: codes }));
    script('POST /auth/mfa/recovery-codes', () => json(200, { recoveryCodes: codes }));
    script('DELETE /auth/mfa/totp', () => new Response(null, { status: 204 }));

    expect(await client.mfaStatus()).toEqual({ totpEnabled: false, recoveryCodesRemaining: 0 });
    expect(await client.startTotp()).toMatchObject({ secret: 'JBSWY3DPEHPK3PXP' });
    expect(await client.confirmTotp('123456')).toEqual({ recoveryCodes: codes });
    expect(await client.newRecoveryCodes()).toEqual({ recoveryCodes: codes });
    expect(await client.disableTotp({ recoveryCode: 'abcde-fghij' })).toBeUndefined();

    const sent = calls.filter((call) => call.key.includes('/auth/mfa'));
    expect(sent.map((call) => [call.key, call.body])).toEqual([
      ['GET /auth/mfa', undefined],
      ['POST /auth/mfa/totp', {}],
      ['POST /auth/mfa/totp/confirm', { code: '123456' }],
      ['POST /auth/mfa/recovery-codes', {}],
      ['DELETE /auth/mfa/totp', { recoveryCode: 'abcde-fghij' }],
    ]);
    // confirm refreshes at once, so the calls after it carry a token whose amr has mfa
    expect(new Headers(sent[2].init.headers).get('authorization')).toBe('Bearer at1');
    expect(new Headers(sent[3].init.headers).get('authorization')).toBe('Bearer at2');
  });

  it('surfaces the service errors as LatchError codes', async () => {
    const { client, script } = await signedIn();
    script('POST /auth/mfa/totp/confirm', () => problem(401, 'invalid_mfa_code'));
    script('POST /auth/mfa/recovery-codes', () => problem(401, 'insufficient_user_authentication'));
    script('POST /auth/mfa/totp', () => problem(409, 'mfa_already_enabled'));
    await expect(client.confirmTotp('000000')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_mfa_code',
    });
    await expect(client.newRecoveryCodes()).rejects.toMatchObject({
      code: 'insufficient_user_authentication',
    });
    await expect(client.startTotp()).rejects.toMatchObject({ code: 'mfa_already_enabled' });
    expect(client.state).toBe('signed-in'); // none of these is a reason to sign out
  });
});

describe('second step across tabs', () => {
  it('a tab waiting for its second step, told that another tab signed in, refreshes itself and forgets the step', async () => {
    const channel = `latch-mfa-test-${Date.now()}`;
    const a = harness({ transport: 'cookie', channel });
    a.script('POST /auth/refresh', () => problem(401, 'invalid_grant')); // no cookie yet
    await jest.advanceTimersByTimeAsync(200); // nobody answers a's question
    await a.client.ready;
    a.script('POST /auth/login', mfaRequired);
    await a.client.login(credentials);
    expect(a.client.state).toBe('mfa-required');
    const b = harness({ transport: 'cookie', channel }); // restores from the cookie
    await jest.advanceTimersByTimeAsync(200);
    await b.client.ready;
    await flush();
    expect(b.client.state).toBe('signed-in');
    expect(a.client.state).toBe('signed-in');
    expect(a.count('POST /auth/refresh')).toBe(2); // its own, not b's token
    expect(await a.client.getAccessToken()).toBe(await b.client.getAccessToken());
    await expect(a.client.verifyMfa('123456')).rejects.toMatchObject({ code: 'mfa_not_pending' });
    a.client.close();
    b.client.close();
  });
});
