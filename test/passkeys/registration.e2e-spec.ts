/**
 * Passkey registration, list, rename and delete (docs/api.md, "Passkeys"), with a software
 * authenticator: the options as the contract fixes them, the rows stored, and every tampered
 * field of a registration refused with 400 invalid_passkey, its challenge spent either way.
 */
import { createHash } from 'node:crypto';
import { CleanupService } from '../../src/maintenance/cleanup.service';
import { expectProblem } from '../support/forge';
import { eventually, registerUser, startApp, type TestApp } from '../support/test-app';
import { eventTypes } from '../mfa/helpers';
import { addPasskey, registrationOptions, tryRegister } from './helpers';
import { FLAGS, SoftAuthenticator } from './soft-authenticator';

describe('passkey registration', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { AUTH_PASSKEY_LIMIT: '3' } });
  });
  afterAll(() => t.close());

  it('answers creation options as the contract fixes them', async () => {
    const user = await registerUser(t.http);
    const options = await registrationOptions(t, user.accessToken);
    expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(options.rp).toEqual({ id: 'localhost', name: 'Latch' });
    expect(options.user.name).toBe(user.email);
    // An opaque handle: neither the user id nor the address, in any encoding.
    const handle = Buffer.from(options.user.id, 'base64url');
    expect(handle.length).toBe(32);
    expect(handle.toString('utf8')).not.toContain(user.user!.id);
    expect(handle.toString('utf8')).not.toContain(user.email);
    expect(options.user.id).not.toContain(Buffer.from(user.user!.id).toString('base64url'));
    expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg).sort()).toEqual([-257, -7]);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([]);
    // The same handle every time for one account; another account has another.
    expect((await registrationOptions(t, user.accessToken)).user.id).toBe(options.user.id);
    const other = await registerUser(t.http);
    expect((await registrationOptions(t, other.accessToken)).user.id).not.toBe(options.user.id);
  });

  it('stores a verified passkey, lists it, excludes it from the next options', async () => {
    const user = await registerUser(t.http);
    const authenticator = new SoftAuthenticator();
    const passkey = await addPasskey(t, user.accessToken, authenticator);
    expect(passkey).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Passkey',
      createdAt: expect.any(String),
      lastUsedAt: null,
      backedUp: false,
      deviceType: 'singleDevice',
      transports: ['internal', 'hybrid'],
    });
    const [row] = await t.sql(
      `SELECT user_id, credential_id, public_key, counter::int AS counter, aaguid FROM passkeys
       WHERE id = $1`,
      [passkey.id],
    );
    expect(row.user_id).toBe(user.user!.id);
    expect(row.credential_id.toString('base64url')).toBe(authenticator.lastId);
    expect(row.public_key.length).toBeGreaterThan(64);
    expect(row.counter).toBe(0);
    expect(row.aaguid).toBe('00000000-0000-0000-0000-000000000000');

    const list = await t.http.get('/auth/passkeys', { token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([passkey]);
    const options = await registrationOptions(t, user.accessToken);
    expect(options.excludeCredentials).toEqual([
      { id: authenticator.lastId, type: 'public-key', transports: ['internal', 'hybrid'] },
    ]);
    await eventually(async () => (await eventTypes(t, user.accessToken)).includes('passkey_added'));
  });

  it('keeps challenges only as hashes, bound to the session that asked', async () => {
    const user = await registerUser(t.http);
    const options = await registrationOptions(t, user.accessToken);
    const rows = await t.sql(
      `SELECT challenge_hash, purpose, user_id, session_id,
              extract(epoch FROM expires_at - created_at)::int AS ttl
       FROM passkey_challenges WHERE user_id = $1`,
      [user.user!.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ purpose: 'register', session_id: user.sessionId, ttl: 300 });
    expect(rows[0].challenge_hash).toEqual(createHash('sha256').update(options.challenge).digest());
    expect(rows[0].challenge_hash.toString('base64url')).not.toBe(options.challenge);
  });

  it('names a passkey from its AAGUID, or as asked; renames it', async () => {
    const user = await registerUser(t.http);
    const onePassword = await addPasskey(t, user.accessToken, new SoftAuthenticator(), {
      aaguid: 'bada5566-a7aa-401f-bd96-45619a55120d',
    });
    expect(onePassword.name).toBe('1Password');
    const named = await tryRegister(t, user.accessToken, new SoftAuthenticator(), {}, '  Laptop ');
    expect(named.status).toBe(201);
    expect(named.body.name).toBe('Laptop');

    const renamed = await t.http.patch(
      `/auth/passkeys/${onePassword.id}`,
      { name: 'Phone' },
      { token: user.accessToken },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ ...onePassword, name: 'Phone' });
    const list = await t.http.get('/auth/passkeys', { token: user.accessToken });
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Phone']);
  });

  it('records backup state and RS256 keys', async () => {
    const user = await registerUser(t.http);
    const synced = await addPasskey(t, user.accessToken, new SoftAuthenticator(), {
      synced: true,
    });
    expect(synced).toMatchObject({ backedUp: true, deviceType: 'multiDevice' });
    const rsa = await addPasskey(t, user.accessToken, new SoftAuthenticator(), {
      algorithm: 'RS256',
    });
    expect(rsa).toMatchObject({ backedUp: false, deviceType: 'singleDevice' });
  });

  it("renames and deletes only the caller's own passkeys (404 otherwise)", async () => {
    const owner = await registerUser(t.http);
    const intruder = await registerUser(t.http);
    const passkey = await addPasskey(t, owner.accessToken, new SoftAuthenticator());
    const token = intruder.accessToken;
    expectProblem(
      await t.http.patch(`/auth/passkeys/${passkey.id}`, { name: 'x' }, { token }),
      404,
      'not_found',
    );
    expectProblem(await t.http.delete(`/auth/passkeys/${passkey.id}`, { token }), 404, 'not_found');
    expectProblem(
      await t.http.delete(`/auth/passkeys/not-a-uuid`, { token: owner.accessToken }),
      404,
      'not_found',
    );
    const removed = await t.http.delete(`/auth/passkeys/${passkey.id}`, {
      token: owner.accessToken,
    });
    expect(removed.status).toBe(204);
    expect((await t.http.get('/auth/passkeys', { token: owner.accessToken })).body).toEqual([]);
    expectProblem(
      await t.http.delete(`/auth/passkeys/${passkey.id}`, { token: owner.accessToken }),
      404,
      'not_found',
    );
    await eventually(async () =>
      (await eventTypes(t, owner.accessToken)).includes('passkey_removed'),
    );
  });

  describe('refuses a tampered registration with 400 invalid_passkey', () => {
    const cases: [string, Parameters<SoftAuthenticator['create']>[1]][] = [
      ['another challenge', { challenge: Buffer.alloc(32, 7).toString('base64url') }],
      ['an origin not in WEBAUTHN_ORIGINS', { origin: 'https://evil.example' }],
      ['the rpId hash of another relying party', { rpId: 'evil.example' }],
      ['type webauthn.get', { type: 'webauthn.get' }],
      ['no user presence', { flags: FLAGS.UV | FLAGS.AT }],
      ['no user verification', { flags: FLAGS.UP | FLAGS.AT }],
      ['an algorithm not offered (EdDSA)', { algorithm: 'EdDSA' }],
    ];
    it.each(cases)('%s, and spends the challenge', async (_name, tamper) => {
      const user = await registerUser(t.http);
      const authenticator = new SoftAuthenticator();
      const options = await registrationOptions(t, user.accessToken);
      const tampered = await t.http.post(
        '/auth/passkeys/register',
        { response: authenticator.create(options, tamper) },
        { token: user.accessToken },
      );
      expectProblem(tampered, 400, 'invalid_passkey');
      // The challenge was spent: an untampered answer to the same options is refused too.
      const retry = await t.http.post(
        '/auth/passkeys/register',
        { response: new SoftAuthenticator().create(options) },
        { token: user.accessToken },
      );
      expectProblem(retry, 400, 'invalid_passkey');
      expect(await t.sql(`SELECT 1 FROM passkeys WHERE user_id = $1`, [user.user!.id])).toEqual([]);
    });
  });

  it('refuses a challenge used twice', async () => {
    const user = await registerUser(t.http);
    const options = await registrationOptions(t, user.accessToken);
    const first = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(options) },
      { token: user.accessToken },
    );
    expect(first.status).toBe(201);
    const second = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(options) },
      { token: user.accessToken },
    );
    expectProblem(second, 400, 'invalid_passkey');
  });

  it("refuses a response to another user's challenge, or another session's", async () => {
    const victim = await registerUser(t.http);
    const attacker = await registerUser(t.http);
    const victimOptions = await registrationOptions(t, victim.accessToken);
    const stolen = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(victimOptions) },
      { token: attacker.accessToken },
    );
    expectProblem(stolen, 400, 'invalid_passkey');
    // The victim's own ceremony is untouched by the attempt.
    const own = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(victimOptions) },
      { token: victim.accessToken },
    );
    expect(own.status).toBe(201);

    const secondSession = await t.http.post('/auth/login', {
      email: victim.email,
      password: victim.password,
    });
    const options = await registrationOptions(t, victim.accessToken);
    const elsewhere = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(options) },
      { token: secondSession.body.accessToken },
    );
    expectProblem(elsewhere, 400, 'invalid_passkey');
  });

  it('refuses an expired challenge', async () => {
    const user = await registerUser(t.http);
    const options = await registrationOptions(t, user.accessToken);
    await t.sql(
      `UPDATE passkey_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.user!.id],
    );
    const late = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(options) },
      { token: user.accessToken },
    );
    expectProblem(late, 400, 'invalid_passkey');
  });

  it('refuses the same credential twice with 409 passkey_exists, by anyone', async () => {
    const owner = await registerUser(t.http);
    const authenticator = new SoftAuthenticator();
    await addPasskey(t, owner.accessToken, authenticator);
    const again = await tryRegister(t, owner.accessToken, authenticator, {
      reuse: authenticator.lastId,
    });
    expectProblem(again, 409, 'passkey_exists');
    const other = await registerUser(t.http);
    const elsewhere = await tryRegister(t, other.accessToken, authenticator, {
      reuse: authenticator.lastId,
    });
    expectProblem(elsewhere, 409, 'passkey_exists');
    expect(
      await t.sql(`SELECT 1 FROM passkeys WHERE user_id = ANY($1)`, [
        [owner.user!.id, other.user!.id],
      ]),
    ).toHaveLength(1);
  });

  it('stops at AUTH_PASSKEY_LIMIT with 409 passkey_limit, at options and at register', async () => {
    const user = await registerUser(t.http);
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    // Options asked while under the limit, answered once it is reached.
    const pending = await registrationOptions(t, user.accessToken);
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    expectProblem(
      await t.http.post('/auth/passkeys/register/options', {}, { token: user.accessToken }),
      409,
      'passkey_limit',
    );
    const late = await t.http.post(
      '/auth/passkeys/register',
      { response: new SoftAuthenticator().create(pending) },
      { token: user.accessToken },
    );
    expectProblem(late, 409, 'passkey_limit');
    expect(await t.sql(`SELECT 1 FROM passkeys WHERE user_id = $1`, [user.user!.id])).toHaveLength(
      3,
    );
  });

  it('holds the limit when registrations race', async () => {
    const user = await registerUser(t.http);
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    await addPasskey(t, user.accessToken, new SoftAuthenticator());
    const options = await Promise.all(
      [1, 2, 3, 4].map(() => registrationOptions(t, user.accessToken)),
    );
    const answers = await Promise.all(
      options.map((o) =>
        t.http.post(
          '/auth/passkeys/register',
          { response: new SoftAuthenticator().create(o) },
          { token: user.accessToken },
        ),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    expect(await t.sql(`SELECT 1 FROM passkeys WHERE user_id = $1`, [user.user!.id])).toHaveLength(
      3,
    );
  });

  it('the cleanup job deletes expired challenges', async () => {
    const user = await registerUser(t.http);
    await registrationOptions(t, user.accessToken);
    await t.sql(
      `UPDATE passkey_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.user!.id],
    );
    const result = await t.app.get(CleanupService).runOnce();
    expect(result.passkeyChallenges).toBeGreaterThanOrEqual(1);
    expect(
      await t.sql(`SELECT 1 FROM passkey_challenges WHERE user_id = $1`, [user.user!.id]),
    ).toEqual([]);
  });
});
