import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { LatchError } from '../src/index.js';
import { autofillSupported, passkeys, passkeysSupported } from '../src/passkeys.js';
import { harness, json, problem, signedIn } from './harness.js';

// @latch/client/passkeys against a scripted service and a stand-in for the browser's WebAuthn
// (PublicKeyCredential's JSON helpers and navigator.credentials), which records what it got.

const MFA_TOKEN = 'mfa-token-secret-opaque';
const CREATION = { challenge: 'c1', rp: { id: 'localhost', name: 'Latch' }, user: { id: 'u' } };
const REQUEST = { challenge: 'c2', rpId: 'localhost', allowCredentials: [] };
const REGISTRATION_JSON = { id: 'cred', type: 'public-key', response: { attestationObject: 'a' } };
const ASSERTION_JSON = { id: 'cred', type: 'public-key', response: { signature: 's' } };
const PASSKEY = { id: 'p1', name: 'Passkey', transports: ['internal'] };
const grant = {
  tokenType: 'Bearer',
  accessToken: 'passkey-at',
  expiresIn: 900,
  refreshToken: 'passkey-rt',
  refreshExpiresIn: 3600,
  sessionId: 'sid-passkey',
};

interface Browser {
  create: jest.Mock;
  get: jest.Mock;
  conditional: boolean;
}

function fakeBrowser(): Browser {
  const browser: Browser = {
    create: jest.fn(() => Promise.resolve({ toJSON: () => REGISTRATION_JSON })),
    get: jest.fn(() => Promise.resolve({ toJSON: () => ASSERTION_JSON })),
    conditional: true,
  };
  Object.defineProperty(globalThis, 'PublicKeyCredential', {
    configurable: true,
    value: {
      parseCreationOptionsFromJSON: (json: unknown) => ({ parsed: 'creation', json }),
      parseRequestOptionsFromJSON: (json: unknown) => ({ parsed: 'request', json }),
      isConditionalMediationAvailable: () => Promise.resolve(browser.conditional),
    },
  });
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { credentials: { create: browser.create, get: browser.get } },
  });
  return browser;
}

afterEach(() => {
  delete (globalThis as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  jest.restoreAllMocks();
});

describe('@latch/client/passkeys', () => {
  it('registers a passkey for the signed-in user with the browser JSON helpers', async () => {
    const browser = fakeBrowser();
    const h = await signedIn();
    h.script('POST /auth/passkeys/register/options', () => json(200, CREATION));
    h.script('POST /auth/passkeys/register', () => json(201, PASSKEY));
    const added = await passkeys(h.client).registerPasskey('Laptop');
    expect(added).toEqual(PASSKEY);
    expect(browser.create).toHaveBeenCalledWith({
      publicKey: { parsed: 'creation', json: CREATION },
      signal: expect.any(AbortSignal),
    });
    const [options, register] = h.calls.filter((call) => call.key.includes('/passkeys/'));
    expect(new Headers(options.init.headers).get('authorization')).toBe('Bearer at1');
    expect(register.body).toEqual({ response: REGISTRATION_JSON, name: 'Laptop' });
  });

  it('signs in with a discoverable passkey, through the autofill when asked', async () => {
    const browser = fakeBrowser();
    const h = harness();
    h.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await h.client.ready;
    expect(h.client.state).toBe('signed-out');
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/passkeys/login', () => json(200, grant));
    const signedInNow = await passkeys(h.client).signInWithPasskey({ autofill: true });
    expect(signedInNow).toMatchObject({ accessToken: 'passkey-at', sessionId: 'sid-passkey' });
    expect(signedInNow).not.toHaveProperty('refreshToken');
    expect(h.client.state).toBe('signed-in');
    expect(h.stored.token).toBe('passkey-rt');
    expect(browser.get).toHaveBeenCalledWith({
      publicKey: { parsed: 'request', json: REQUEST },
      signal: expect.any(AbortSignal),
      mediation: 'conditional',
    });
    const options = h.calls.find((call) => call.key === 'POST /auth/passkeys/login/options')!;
    expect(options.body).toEqual({});
    const login = h.calls.find((call) => call.key === 'POST /auth/passkeys/login')!;
    expect(login.body).toEqual({ response: ASSERTION_JSON });
    // Without autofill, a modal prompt: no mediation member.
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/passkeys/login', () => json(200, grant));
    await passkeys(h.client).signInWithPasskey();
    expect(browser.get.mock.calls[1][0]).not.toHaveProperty('mediation');
  });

  it('a prompt started later ends a waiting autofill (passkey_cancelled)', async () => {
    const browser = fakeBrowser();
    let seen: AbortSignal | undefined;
    browser.get.mockImplementationOnce(
      ({ signal }: { signal: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const h = harness();
    await h.client.ready;
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/passkeys/login', () => json(200, grant));
    const keys = passkeys(h.client);
    const waiting = keys.signInWithPasskey({ autofill: true });
    const caught = waiting.catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    await keys.signInWithPasskey();
    expect(seen?.aborted).toBe(true);
    const error = (await caught) as LatchError;
    expect(error).toBeInstanceOf(LatchError);
    expect(error.code).toBe('passkey_cancelled');
    expect(h.client.state).toBe('signed-in');
  });

  it('signs up with a passkey; under required verification resolves {user} and signs nobody in', async () => {
    fakeBrowser();
    const h = harness();
    h.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await h.client.ready;
    const user = { id: 'u1', email: 'ada@example.com' };
    h.script('POST /auth/passkeys/signup/options', () => json(200, CREATION));
    h.script('POST /auth/passkeys/signup', () => json(201, { ...grant, user }));
    const created = await passkeys(h.client).signUpWithPasskey('ada@example.com', 'Ada');
    expect(created).toMatchObject({ user, accessToken: 'passkey-at' });
    expect(h.client.state).toBe('signed-in');
    expect(h.calls.find((c) => c.key === 'POST /auth/passkeys/signup/options')!.body).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
    });

    const later = harness();
    later.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await later.client.ready;
    later.script('POST /auth/passkeys/signup/options', () => json(200, CREATION));
    later.script('POST /auth/passkeys/signup', () => json(201, { user }));
    expect(await passkeys(later.client).signUpWithPasskey('ada@example.com')).toEqual({ user });
    expect(later.client.state).toBe('signed-out');
    expect(later.stored.token).toBeNull();
  });

  it('answers a pending second step with a passkey; the mfaToken never leaves the client', async () => {
    const browser = fakeBrowser();
    const h = harness();
    h.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await h.client.ready;
    h.script('POST /auth/login', () =>
      json(401, { type: 'about:blank', status: 401, code: 'mfa_required', mfaToken: MFA_TOKEN }),
    );
    expect(await h.client.login({ email: 'a@example.com', password: 'pw' })).toEqual({
      mfaRequired: true,
    });
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/login/mfa/passkey', () => json(200, grant));
    const done = await passkeys(h.client).verifyMfaWithPasskey();
    expect(JSON.stringify(done)).not.toContain(MFA_TOKEN);
    expect(h.client.state).toBe('signed-in');
    expect(h.calls.find((c) => c.key === 'POST /auth/passkeys/login/options')!.body).toEqual({
      mfaToken: MFA_TOKEN,
    });
    expect(h.calls.find((c) => c.key === 'POST /auth/login/mfa/passkey')!.body).toEqual({
      response: ASSERTION_JSON,
      mfaToken: MFA_TOKEN,
    });
    expect(browser.get.mock.calls[0][0]).not.toHaveProperty('mediation');
    // Nothing pending any more.
    await expect(passkeys(h.client).verifyMfaWithPasskey()).rejects.toMatchObject({
      code: 'mfa_not_pending',
    });
  });

  it('an ended second step signs out (mfa_token_invalid); a wrong passkey may be retried', async () => {
    fakeBrowser();
    const h = harness();
    h.script('POST /auth/refresh', () => problem(401, 'invalid_grant'));
    await h.client.ready;
    h.script('POST /auth/login', () =>
      json(401, { type: 'about:blank', status: 401, code: 'mfa_required', mfaToken: MFA_TOKEN }),
    );
    await h.client.login({ email: 'a@example.com', password: 'pw' });
    h.script('POST /auth/passkeys/login/options', () => json(200, REQUEST));
    h.script('POST /auth/login/mfa/passkey', () => problem(401, 'invalid_passkey'));
    await expect(passkeys(h.client).verifyMfaWithPasskey()).rejects.toMatchObject({
      code: 'invalid_passkey',
    });
    expect(h.client.state).toBe('mfa-required');
    h.script('POST /auth/passkeys/login/options', () => problem(401, 'invalid_grant'));
    await expect(passkeys(h.client).verifyMfaWithPasskey()).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    expect(h.client.state).toBe('signed-out');
    expect(h.events.at(-1)).toMatchObject({ type: 'signed-out', reason: 'mfa_token_invalid' });
  });

  it('turns a cancelled browser prompt into LatchError passkey_cancelled', async () => {
    const browser = fakeBrowser();
    browser.create.mockRejectedValueOnce(new DOMException('cancelled', 'NotAllowedError'));
    const h = await signedIn();
    h.script('POST /auth/passkeys/register/options', () => json(200, CREATION));
    await expect(passkeys(h.client).registerPasskey()).rejects.toMatchObject({
      status: 0,
      code: 'passkey_cancelled',
    });
    expect(h.count('POST /auth/passkeys/register')).toBe(0);
  });

  it('lists, renames and deletes with the access token; 409 last_sign_in_method surfaces', async () => {
    fakeBrowser();
    const h = await signedIn();
    h.script('GET /auth/passkeys', () => json(200, [PASSKEY]));
    h.script('PATCH /auth/passkeys/p%201', () => json(200, { ...PASSKEY, name: 'Phone' }));
    h.script('DELETE /auth/passkeys/p1', () => new Response(null, { status: 204 }));
    h.script('DELETE /auth/passkeys/p1', () => problem(409, 'last_sign_in_method'));
    const keys = passkeys(h.client);
    expect(await keys.passkeys()).toEqual([PASSKEY]);
    expect(await keys.renamePasskey('p 1', 'Phone')).toMatchObject({ name: 'Phone' });
    expect(h.calls.find((c) => c.key.startsWith('PATCH'))!.body).toEqual({ name: 'Phone' });
    await expect(keys.deletePasskey('p1')).resolves.toBeUndefined();
    await expect(keys.deletePasskey('p1')).rejects.toMatchObject({
      status: 409,
      code: 'last_sign_in_method',
    });
  });

  it('says when the browser has no passkey support, and refuses to start without it', async () => {
    expect(passkeysSupported()).toBe(false);
    expect(await autofillSupported()).toBe(false);
    const h = await signedIn();
    await expect(passkeys(h.client).signInWithPasskey()).rejects.toMatchObject({
      code: 'passkey_unsupported',
    });
    const browser = fakeBrowser();
    expect(passkeysSupported()).toBe(true);
    expect(await autofillSupported()).toBe(true);
    browser.conditional = false;
    expect(await autofillSupported()).toBe(false);
  });

  it('is a separate entry: the core stays under 4 KB min+gzip, passkeys add little', async () => {
    const root = join(__dirname, '..', '..');
    const size = async (contents: string) => {
      const result = await build({
        stdin: { contents, resolveDir: join(root, 'client', 'src'), loader: 'ts' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        write: false,
      });
      return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
    };
    const core = await size(`export * from './index.ts';`);
    const entry = await size(`export * from './passkeys.ts';`);
    const both = await size(`export * from './index.ts'; export * from './passkeys.ts';`);
    console.log(
      `@latch/client: core ${core} B, passkeys entry ${entry} B, both ${both} B (min+gzip)`,
    );
    expect(core).toBeLessThan(4096);
    expect(entry).toBeLessThan(1024);
    expect(both).toBeLessThan(4096);
  });
});
