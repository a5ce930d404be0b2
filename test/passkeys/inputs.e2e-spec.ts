/**
 * Bad input on every passkey route: malformed JSON, wrong types, missing or extra fields,
 * over-long values, garbage that is well-formed base64url, a body that is not JSON. Each gets
 * a 4xx problem+json answer, never a 500, and nothing is stored.
 */
import { expectNoLeak } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { registerUser, startApp, type TestApp } from '../support/test-app';
import { enableTotp, mfaToken, TestClock } from '../mfa/helpers';
import { addPasskey, loginOptions, registrationOptions } from './helpers';
import { SoftAuthenticator } from './soft-authenticator';

const b64 = (text: string) => Buffer.from(text).toString('base64url');

function expect4xxProblem(response: HttpResponse, label: string): void {
  expect({ label, status: response.status }).toEqual({ label, status: expect.any(Number) });
  if (response.status < 400 || response.status > 499) {
    throw new Error(`${label}: ${response.status} ${response.text.slice(0, 200)}`);
  }
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: 'about:blank', status: response.status });
  expect(typeof response.body.code).toBe('string');
  expectNoLeak(response);
}

/** Variations of a credential JSON, each wrong in one way. */
function badCredentials(valid: Record<string, any>): [string, unknown][] {
  const inner = valid.response;
  return [
    ['a string', 'x'],
    ['an array', [valid]],
    ['null', null],
    ['an empty object', {}],
    ['id not base64url', { ...valid, id: 'not base64url!', rawId: 'not base64url!' }],
    ['id and rawId apart', { ...valid, rawId: b64('another id') }],
    ['id too long', { ...valid, id: 'A'.repeat(5000), rawId: 'A'.repeat(5000) }],
    ['type not public-key', { ...valid, type: 'password' }],
    ['no inner response', { ...valid, response: undefined }],
    ['inner response a string', { ...valid, response: 'x' }],
    ['clientDataJSON a number', { ...valid, response: { ...inner, clientDataJSON: 7 } }],
    ['clientDataJSON not JSON', { ...valid, response: { ...inner, clientDataJSON: b64('{{') } }],
    ['clientDataJSON JSON null', { ...valid, response: { ...inner, clientDataJSON: b64('null') } }],
    [
      'clientDataJSON a challenge object',
      { ...valid, response: { ...inner, clientDataJSON: b64('{"challenge":{"a":1}}') } },
    ],
    ['an unknown inner field', { ...valid, response: { ...inner, extra: 'x' } }],
    ['an unknown outer field', { ...valid, extra: 'x' }],
    ['clientExtensionResults a string', { ...valid, clientExtensionResults: 'x' }],
    ['authenticatorAttachment unknown', { ...valid, authenticatorAttachment: 'usb' }],
    ['over the body limit', { ...valid, padding: 'x'.repeat(20_000) }],
  ];
}

describe('passkey routes refuse bad input with 4xx problem+json', () => {
  let t: TestApp;
  let token: string;
  let registration: Record<string, any>;
  let assertion: Record<string, any>;

  beforeAll(async () => {
    t = await startApp();
    const user = await registerUser(t.http);
    token = user.accessToken;
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, token, authenticator);
    registration = new SoftAuthenticator().create(await registrationOptions(t, token));
    assertion = authenticator.get(await loginOptions(t));
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('POST /auth/passkeys/register', async () => {
    const garbage = {
      ...registration,
      response: { ...registration.response, attestationObject: b64('not cbor at all') },
    };
    const bodies: [string, unknown][] = [
      ...badCredentials(registration).map(([label, response]): [string, unknown] => [
        label,
        { response },
      ]),
      ['attestationObject not CBOR', { response: garbage }],
      ['an empty name', { response: registration, name: '' }],
      ['a blank name', { response: registration, name: '   ' }],
      ['a 65-character name', { response: registration, name: 'n'.repeat(65) }],
      ['a name with a control character', { response: registration, name: 'a\u0007b' }],
      ['a name that is a number', { response: registration, name: 42 }],
      ['no response', { name: 'x' }],
    ];
    for (const [label, body] of bodies) {
      expect4xxProblem(await t.http.post('/auth/passkeys/register', body, { token }), label);
    }
    expect4xxProblem(
      await t.http.request('POST', '/auth/passkeys/register', {
        rawBody: '{"response":',
        token,
        headers: { 'content-type': 'application/json' },
      }),
      'malformed JSON',
    );
    expect4xxProblem(
      await t.http.request('POST', '/auth/passkeys/register', {
        rawBody: 'response=x',
        token,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      'form-encoded',
    );
    expect4xxProblem(
      await t.http.post('/auth/passkeys/register', { response: registration }),
      'no token',
    );
    expect((await t.http.get('/auth/passkeys', { token })).body).toHaveLength(1);
  });

  it('POST /auth/passkeys/register/options, GET, PATCH and DELETE /auth/passkeys', async () => {
    expect4xxProblem(
      await t.http.post('/auth/passkeys/register/options', { extra: 1 }, { token }),
      'options with a field',
    );
    expect4xxProblem(await t.http.post('/auth/passkeys/register/options', {}), 'options no token');
    expect4xxProblem(await t.http.get('/auth/passkeys'), 'list no token');
    const [passkey] = (await t.http.get('/auth/passkeys', { token })).body;
    for (const [label, body] of [
      ['no name', {}],
      ['name null', { name: null }],
      ['name empty', { name: '' }],
      ['name too long', { name: 'x'.repeat(65) }],
      ['name with a newline', { name: 'a\nb' }],
      ['an extra field', { name: 'ok', extra: 1 }],
      ['an array', ['name']],
    ] as [string, unknown][]) {
      expect4xxProblem(
        await t.http.patch(`/auth/passkeys/${passkey.id}`, body, { token }),
        `rename: ${label}`,
      );
    }
    for (const id of ['x', 'a'.repeat(300), '00000000-0000-4000-8000-000000000000', '%00']) {
      expect4xxProblem(
        await t.http.patch(`/auth/passkeys/${id}`, { name: 'ok' }, { token }),
        `rename ${id}`,
      );
      expect4xxProblem(await t.http.delete(`/auth/passkeys/${id}`, { token }), `delete ${id}`);
    }
    expect4xxProblem(
      await t.http.delete(`/auth/passkeys/${passkey.id}`, { token, body: { extra: 1 } }),
      'delete with a field',
    );
    expect((await t.http.get('/auth/passkeys', { token })).body).toEqual([passkey]);
  });

  it('POST /auth/passkeys/login/options and /auth/passkeys/login', async () => {
    for (const [label, body] of [
      ['mfaToken a number', { mfaToken: 7 }],
      ['mfaToken too long', { mfaToken: 'a'.repeat(500) }],
      ['mfaToken unknown', { mfaToken: 'a'.repeat(43) }],
      ['an extra field', { extra: 1 }],
      ['an array', []],
    ] as [string, unknown][]) {
      expect4xxProblem(await t.http.post('/auth/passkeys/login/options', body), label);
    }
    const garbage = {
      ...assertion,
      response: { ...assertion.response, authenticatorData: b64('short'), signature: b64('x') },
    };
    const bodies: [string, unknown][] = [
      ...badCredentials(assertion).map(([label, response]): [string, unknown] => [
        label,
        { response },
      ]),
      ['authenticatorData too short', { response: garbage }],
      [
        'userHandle a number',
        { response: { ...assertion, response: { ...assertion.response, userHandle: 1 } } },
      ],
      ['an extra field', { response: assertion, extra: 1 }],
    ];
    for (const [label, body] of bodies) {
      expect4xxProblem(await t.http.post('/auth/passkeys/login', body), `login: ${label}`);
    }
  });

  it('POST /auth/login/mfa/passkey', async () => {
    const clock = new TestClock(t);
    const user = await enableTotp(t, clock);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, user.accessToken, authenticator);
    const pending = await mfaToken(t, user.email);
    const response = authenticator.get(await loginOptions(t, { mfaToken: pending }));
    const bodies: [string, unknown][] = [
      ['no mfaToken', { response }],
      ['mfaToken a number', { mfaToken: 1, response }],
      ['mfaToken too long', { mfaToken: 'a'.repeat(500), response }],
      ['no response', { mfaToken: pending }],
      ['a code besides', { mfaToken: pending, response, code: '123456' }],
      ...badCredentials(response).map(([label, bad]): [string, unknown] => [
        label,
        { mfaToken: pending, response: bad },
      ]),
    ];
    for (const [label, body] of bodies) {
      expect4xxProblem(await t.http.post('/auth/login/mfa/passkey', body), `mfa: ${label}`);
    }
  });

  it('POST /auth/passkeys/signup/options and /auth/passkeys/signup', async () => {
    for (const [label, body] of [
      ['no email', {}],
      ['email not an address', { email: 'nobody' }],
      ['email a number', { email: 1 }],
      ['email with a newline', { email: 'a\n@example.com' }],
      ['name too long', { email: 'ok@example.com', name: 'x'.repeat(201) }],
      ['name null', { email: 'ok@example.com', name: null }],
      ['a password besides', { email: 'ok@example.com', password: 'whatever123' }],
    ] as [string, unknown][]) {
      expect4xxProblem(await t.http.post('/auth/passkeys/signup/options', body), label);
    }
    const options = await t.http.post('/auth/passkeys/signup/options', {
      email: 'signup-inputs@example.com',
    });
    const valid = new SoftAuthenticator().create(options.body);
    const bodies: [string, unknown][] = [
      ...badCredentials(valid).map(([label, response]): [string, unknown] => [label, { response }]),
      ['an email besides', { response: valid, email: 'other@example.com' }],
    ];
    for (const [label, body] of bodies) {
      expect4xxProblem(await t.http.post('/auth/passkeys/signup', body), `signup: ${label}`);
    }
    expect(await t.sql(`SELECT 1 FROM users WHERE email = 'signup-inputs@example.com'`)).toEqual(
      [],
    );
  });
});
