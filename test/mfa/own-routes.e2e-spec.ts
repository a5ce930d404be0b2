/**
 * Step-up on a feature module's own route, the way docs/api.md tells users to write it:
 * `@Authorized({ mfa: true })`, and `principal.amr` read from `@CurrentUser()`.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { AppModule } from '../../src/app.module';
import { Authorized } from '../../src/auth/decorators/authorized.decorator';
import { CurrentUser } from '../../src/auth/decorators/current-user.decorator';
import { TotpClock } from '../../src/auth/mfa/totp-clock';
import type { Principal } from '../../src/auth/principal';
import { expectProblem } from '../support/forge';
import { PASSWORD, registerUser, startApp, TestApp } from '../support/test-app';

@Controller('vault')
class VaultController {
  @Get('balance')
  @Authorized()
  balance(@CurrentUser() user: Principal) {
    return { verifiedWithSecondFactor: user.amr.includes('mfa'), amr: user.amr };
  }

  @Get('transfer')
  @Authorized({ mfa: true })
  transfer(@CurrentUser() user: Principal) {
    return { userId: user.userId, amr: user.amr };
  }
}

@Module({ imports: [AppModule], controllers: [VaultController] })
class AppWithVault {}

const T0 = Date.UTC(2026, 11, 1, 10, 0, 5);

describe("@Authorized({ mfa: true }) on a feature module's route", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ rootModule: AppWithVault });
    jest.spyOn(t.app.get(TotpClock), 'now').mockReturnValue(T0);
  });
  afterAll(() => t.close());

  it('refuses a password-only session (401, RFC 9470) and serves one verified with TOTP', async () => {
    const user = await registerUser(t.http);
    const balance = await t.http.get('/vault/balance', { token: user.accessToken });
    expect(balance.body).toEqual({ verifiedWithSecondFactor: false, amr: ['pwd'] });
    const refused = await t.http.get('/vault/transfer', { token: user.accessToken });
    expectProblem(refused, 401, 'insufficient_user_authentication');
    expect(refused.headers.get('www-authenticate')).toContain(
      'error="insufficient_user_authentication"',
    );

    const started = await t.http.post('/auth/mfa/totp', {}, { token: user.accessToken });
    const totp = new TOTP({ secret: Secret.fromBase32(started.body.secret) });
    const confirm = await t.http.post(
      '/auth/mfa/totp/confirm',
      { code: totp.generate({ timestamp: T0 }) },
      { token: user.accessToken },
    );
    expect(confirm.status).toBe(200);
    // The token in hand still says ["pwd"]; the session's next refresh carries the factor.
    expectProblem(
      await t.http.get('/vault/transfer', { token: user.accessToken }),
      401,
      'insufficient_user_authentication',
    );
    const refreshed = await t.http.post('/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    const transfer = await t.http.get('/vault/transfer', { token: refreshed.body.accessToken });
    expect(transfer.status).toBe(200);
    expect(transfer.body).toEqual({ userId: user.user!.id, amr: ['pwd', 'otp', 'mfa'] });

    // A new sign-in with the password alone never reaches the route: it stops at mfa_required.
    const login = await t.http.post('/auth/login', { email: user.email, password: PASSWORD });
    expectProblem(login, 401, 'mfa_required');
  });

  it('is still refused without a token, and with a revoked one', async () => {
    expectProblem(await t.http.get('/vault/transfer'), 401, 'missing_token');
    const user = await registerUser(t.http);
    await t.http.post('/auth/logout-all', undefined, { token: user.accessToken });
    expectProblem(
      await t.http.get('/vault/transfer', { token: user.accessToken }),
      401,
      'session_revoked',
    );
  });
});
