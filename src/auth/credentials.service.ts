import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem';

import { User } from '../users/user.entity';
import { UserWithPasswordHash, UsersRepository } from '../users/users.repository';
import type { ClientContext } from './client-context';
import { ChangePasswordDto, LoginDto, RegisterDto } from './dto/credentials.dto';
import { AuthEventBus } from './events/auth-event-bus';
import { LoginAttempt, LoginLockout } from './passwords/login-lockout';
import { PasswordHasher } from './passwords/password-hasher';
import type { Principal } from './principal';
import { IssuedRefreshToken } from './refresh/issued-refresh-token';
import { SessionRevoker } from './revocation/session-revoker';
import { SessionsService } from './sessions/sessions.service';
import { UserCreationHooks } from './user-creation-hooks';
import { MfaChallenges } from './mfa/mfa-challenges';
import { mfaRequired } from './mfa/mfa-errors';
import { TotpFactorsRepository } from './mfa/totp-factors.repository';
import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';

const invalidCredentials = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'invalid_credentials',
    'email or password is wrong',
  );

/** Why a right password opens no session. */
type LoginRefusal = 'account_disabled' | 'email_not_verified';

const refused = (code: LoginRefusal) =>
  new ProblemException(
    HttpStatus.FORBIDDEN,
    code,
    code === 'account_disabled'
      ? 'this account has been disabled'
      : 'the e-mail address of this account is not verified yet',
  );

/** A login's password step ends in a session, a refusal, or a second step to take. */
type LoginOutcome =
  IssuedRefreshToken | { refusal: LoginRefusal; userId: string } | { mfaToken: string };

/** Everything that starts from a password: register, login, password change. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly sessions: SessionsService,
    private readonly revoker: SessionRevoker,
    private readonly events: AuthEventBus,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
    private readonly creationHooks: UserCreationHooks,
    private readonly totp: TotpFactorsRepository,
    private readonly challenges: MfaChallenges,
  ) {}

  /**
   * The user, their first session and what the creation hooks add (the verification mail),
   * created together; with AUTH_REQUIRE_VERIFIED_EMAIL the user alone (`issued` undefined):
   * no session opens before the address is verified.
   */
  async register(
    dto: RegisterDto,
    context: ClientContext,
  ): Promise<{ user: User; issued?: IssuedRefreshToken }> {
    const passwordHash = await this.hasher.hash(dto.password);
    const { user, issued } = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(
        { email: dto.email, name: dto.name?.trim() ?? '', passwordHash },
        manager,
      );
      await this.creationHooks.run(created, manager);
      if (this.auth.requireVerifiedEmail) return { user: created, issued: undefined };
      const opened = await this.sessions.open(created.id, context, { manager });
      if (!opened) throw new Error('the session of a user created in this transaction failed');
      return { user: created, issued: opened };
    });
    this.events.publish('user.registered', {
      userId: user.id,
      sessionId: issued?.sessionId ?? null,
      context,
    });
    return { user, issued };
  }

  /**
   * The password is judged first: a wrong one is 401 invalid_credentials whatever the state
   * of the account. A right one of a disabled account (403 account_disabled) or, under
   * AUTH_REQUIRE_VERIFIED_EMAIL, of an unverified one (403 email_not_verified) is not a
   * failure, so its reserved attempt is given back; nor is it a successful login, so the
   * lockout count is not reset. Nor is it for a right password of an account with TOTP on:
   * the answer is 401 mfa_required with a token for the second step (MfaLogin).
   */
  async login(dto: LoginDto, context: ClientContext): Promise<IssuedRefreshToken> {
    const outcome = await this.lockout.judge<LoginOutcome>(dto.email, async (attempt) => {
      const user = await this.users.findWithPasswordHash(dto.email);
      if (!user) {
        await this.hasher.verifyDummy(dto.password);
        return this.failAttempt(attempt, null, context);
      }
      const check = await this.hasher.verify(user.passwordHash, dto.password);
      if (!check.valid) return this.failAttempt(attempt, user.id, context);
      const refusal = this.refusalFor(user);
      if (refusal) {
        await this.lockout.release(attempt);
        return { refusal, userId: user.id };
      }
      const currentHash = check.needsRehash
        ? await this.upgradeHash(user, dto.password)
        : user.passwordHash;
      if (await this.totp.isEnabled(user.id)) {
        // Not a failure, nor yet a success: the second step decides (MfaLogin).
        await this.lockout.release(attempt);
        return { mfaToken: await this.challenges.issue(user.id) };
      }
      await this.lockout.succeeded(attempt);
      // A password changed since it was verified opens nothing: that change ended every session.
      const opened =
        currentHash &&
        (await this.sessions.open(user.id, context, { whilePasswordHash: currentHash }));
      // Nothing opened: the password changed, or the account was disabled or deleted meanwhile.
      if (!opened) throw invalidCredentials();
      return opened;
    });
    if ('refusal' in outcome) {
      this.events.publish('login.failed', {
        userId: outcome.userId,
        context,
        detail: { reason: outcome.refusal },
      });
      throw refused(outcome.refusal);
    }
    if ('mfaToken' in outcome) throw mfaRequired(outcome.mfaToken);
    const issued = outcome;
    this.events.publish('login.succeeded', {
      userId: issued.userId,
      sessionId: issued.sessionId,
      context,
    });
    return issued;
  }

  /**
   * A signed-in user's password, asked again before a sensitive change (password, e-mail,
   * deletion): a wrong one is 401 invalid_credentials and counts toward the lockout like a
   * failed login; while locked, 429. Returns the user with the hash that was verified.
   */
  async confirmPassword(
    userId: string,
    password: string,
    context: ClientContext,
  ): Promise<UserWithPasswordHash> {
    const user = await this.users.findPasswordHashById(userId);
    if (!user) throw invalidCredentials();
    await this.lockout.judge(user.email, async (attempt) => {
      const check = await this.hasher.verify(user.passwordHash, password);
      if (!check.valid) return this.failAttempt(attempt, user.id, context);
      await this.lockout.succeeded(attempt);
    });
    return user;
  }

  /** Keeps the calling session, ends every other one. */
  async changePassword(
    principal: Principal,
    dto: ChangePasswordDto,
    context: ClientContext,
  ): Promise<void> {
    const user = await this.confirmPassword(principal.userId, dto.currentPassword, context);
    const newHash = await this.hasher.hash(dto.newPassword);
    // Conditional on the hash just verified: of two simultaneous changes, one wins.
    if (!(await this.users.replacePasswordHash(user.id, user.passwordHash, newHash, true))) {
      throw invalidCredentials();
    }
    await this.revoker.revokeAllOfUser(user.id, 'password_changed', context, principal.sessionId);
    this.events.publish('password.changed', {
      userId: user.id,
      sessionId: principal.sessionId,
      context,
    });
  }

  private refusalFor(user: User): LoginRefusal | undefined {
    if (user.disabled) return 'account_disabled';
    if (this.auth.requireVerifiedEmail && !user.emailVerified) return 'email_not_verified';
    return undefined;
  }

  /** Stores a hash with today's parameters; undefined when the password changed meanwhile. */
  private async upgradeHash(user: UserWithPasswordHash, password: string) {
    const upgraded = await this.hasher.hash(password);
    const stored = await this.users.replacePasswordHash(
      user.id,
      user.passwordHash,
      upgraded,
      false,
    );
    return stored ? upgraded : undefined;
  }

  private failAttempt(attempt: LoginAttempt, userId: string | null, context: ClientContext): never {
    this.events.publishWrongCredential('login.failed', this.lockout.lockedBy(attempt), {
      userId,
      context,
    });
    throw invalidCredentials();
  }
}
