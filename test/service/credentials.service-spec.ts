import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { CredentialsService } from '../../src/auth/credentials.service';
import { MfaLogin } from '../../src/auth/mfa/mfa-login.service';
import { TotpEnrolment } from '../../src/auth/mfa/totp-enrolment.service';
import type { Principal } from '../../src/auth/principal';
import { ProblemException } from '../../src/common/problem';
import { client, startLatch, type LatchTestingModule } from './latch-testing-module';

const PASSWORD = 'correct horse battery';
const codeOf = (error: unknown) => (error instanceof ProblemException ? error.code : String(error));
const principalOf = (issued: { userId: string; sessionId: string; amr: string[] }): Principal => ({
  userId: issued.userId,
  sessionId: issued.sessionId,
  roles: ['user'],
  amr: issued.amr,
  expiresAt: Math.floor(Date.now() / 1000) + 900,
});

describe('CredentialsService and the second step, as services of LatchModule.forRoot()', () => {
  let latch: LatchTestingModule;
  let credentials: CredentialsService;
  beforeAll(async () => {
    // Options are values: a lockout of three, passed here rather than through process.env.
    latch = await startLatch({ auth: { lockoutThreshold: 3 } });
    credentials = latch.get(CredentialsService);
  });
  afterAll(() => latch.close());

  const newAccount = async () => {
    const email = `${randomUUID()}@example.com`;
    const { user, issued } = await credentials.register({ email, password: PASSWORD }, client());
    return { email, user, issued: issued! };
  };

  it('answers a login with an outcome: a session, or why not', async () => {
    const { email, user } = await newAccount();
    const right = await credentials.login({ email, password: PASSWORD }, client());
    expect(right).toMatchObject({ kind: 'session', issued: { userId: user.id, amr: ['pwd'] } });
    const wrong = await credentials.login({ email, password: 'wrong horse battery' }, client());
    expect(wrong).toEqual({ kind: 'refused', reason: 'invalid_credentials' });
    const nobody = await credentials.login(
      { email: `${randomUUID()}@example.com`, password: PASSWORD },
      client(),
    );
    expect(nobody).toEqual({ kind: 'refused', reason: 'invalid_credentials' });
  });

  it('refuses a disabled account that knows its password, without counting a failure', async () => {
    const { email, user } = await newAccount();
    await latch.sql(`UPDATE users SET disabled = true WHERE id = $1`, [user.id]);
    for (let i = 0; i < 4; i++) {
      expect(await credentials.login({ email, password: PASSWORD }, client())).toEqual({
        kind: 'refused',
        reason: 'account_disabled',
      });
    }
    // Four right passwords past a threshold of three: no lock, because none was a failure.
    await latch.sql(`UPDATE users SET disabled = false WHERE id = $1`, [user.id]);
    expect((await credentials.login({ email, password: PASSWORD }, client())).kind).toBe('session');
  });

  it('locks the address after the configured number of wrong passwords (429)', async () => {
    const { email } = await newAccount();
    for (let i = 0; i < 3; i++) {
      await credentials.login({ email, password: 'wrong horse battery' }, client());
    }
    await expect(
      credentials.login({ email, password: PASSWORD }, client()).catch(codeOf),
    ).resolves.toBe('too_many_requests');
  });

  it('asks an account with TOTP for its second step, which opens a session with mfa in amr', async () => {
    const { email, issued } = await newAccount();
    const enrolment = latch.get(TotpEnrolment);
    const { secret } = await enrolment.start(principalOf(issued));
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    await enrolment.confirm(principalOf(issued), totp.generate(), client());

    const step = await credentials.login({ email, password: PASSWORD }, client());
    if (step.kind !== 'second_factor') throw new Error(`expected a second step, got ${step.kind}`);
    const mfaLogin = latch.get(MfaLogin);
    await expect(
      mfaLogin.complete({ mfaToken: step.mfaToken, code: '000000' }, client()).catch(codeOf),
    ).resolves.toBe('invalid_mfa_code');
    // Confirm spent the current step's code; the window takes one step either side.
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    const session = await mfaLogin.complete({ mfaToken: step.mfaToken, code: next }, client());
    expect(session.amr).toEqual(['pwd', 'otp', 'mfa']);
    // The mfaToken was spent with the session.
    await expect(
      mfaLogin.complete({ mfaToken: step.mfaToken, code: next }, client()).catch(codeOf),
    ).resolves.toBe('invalid_grant');
  });
});
