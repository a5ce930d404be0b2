import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AUTH_SETTINGS, AuthSettings } from '../latch.settings';
import { User } from '../users/user.entity';
import { UserWithPasswordHash, UsersRepository } from '../users/users.repository';
import { AccountOpening } from './account-opening';
import type { ClientContext } from './client-context';
import { AccountRefusal, invalidCredentials } from './credential-problems';
import { ChangePasswordDto, LoginDto, RegisterDto } from './dto/credentials.dto';
import { AuthEventBus } from './events/auth-event-bus';
import {
  LoginAttempt,
  LoginLockout,
  noVerdict,
  right,
  Verdict,
  wrong,
} from './passwords/login-lockout';
import { PasswordHasher } from './passwords/password-hasher';
import type { Principal } from './principal';
import { IssuedRefreshToken } from './refresh/issued-refresh-token';
import { SessionRevoker } from './revocation/session-revoker';
import { SECOND_FACTOR, type SecondFactor, type SecondStepFactor } from './second-factor.port';
import { SessionsService } from './sessions/sessions.service';

/**
 * How a password login ends: a session, a second step to take, or a refusal. The controller
 * turns each into its answer (200 tokens, 401 mfa_required with the mfaToken, 401
 * invalid_credentials, 403 account_disabled or email_not_verified).
 */
export type LoginOutcome =
  | { kind: 'session'; issued: IssuedRefreshToken }
  | { kind: 'second_factor'; mfaToken: string; factors: SecondStepFactor[] }
  | { kind: 'refused'; reason: AccountRefusal | 'invalid_credentials' };

const wrongPassword: LoginOutcome = { kind: 'refused', reason: 'invalid_credentials' };

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
    private readonly accounts: AccountOpening,
    @Inject(SECOND_FACTOR) private readonly secondFactor: SecondFactor,
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
    return this.accounts.open({ email: dto.email, name: dto.name ?? '', passwordHash }, context);
  }

  /**
   * The password is judged first: a wrong one is refused as invalid_credentials whatever the
   * state of the account. A right one of a disabled account (account_disabled) or, under
   * AUTH_REQUIRE_VERIFIED_EMAIL, of an unverified one (email_not_verified) is not a failure,
   * so its reserved attempt is given back; nor is it a successful login, so the lockout count
   * is not reset. Nor is a right password of an account whose second factor is on: the
   * outcome is the token for the second step (MfaLogin).
   */
  async login(dto: LoginDto, context: ClientContext): Promise<LoginOutcome> {
    const outcome = await this.lockout.judge(
      dto.email,
      (attempt) => this.judgePassword(dto, attempt, context),
      'password',
    );
    if (outcome.kind === 'session') {
      this.events.publish('login.succeeded', {
        userId: outcome.issued.userId,
        sessionId: outcome.issued.sessionId,
        context,
        detail: { method: 'password' },
      });
    }
    if (outcome.kind === 'second_factor') {
      this.events.signal('login.mfa_required', { method: 'password' });
    }
    return outcome;
  }

  /**
   * A signed-in user's password, asked again before a sensitive change (password, e-mail,
   * deletion): a wrong one is 401 invalid_credentials and counts toward the lockout like a
   * failed login; while locked, 429. A right one gives its attempt back without resetting the
   * count. Returns the user with the hash that was verified.
   */
  async confirmPassword(
    userId: string,
    password: string,
    context: ClientContext,
  ): Promise<UserWithPasswordHash> {
    const user = await this.users.findPasswordHashById(userId);
    if (!user) throw invalidCredentials();
    const confirmed = await this.lockout.judge(user.email, async (attempt) => {
      const check = await this.hasher.verify(user.passwordHash, password);
      // Given back, not a reset: the email's count may hold wrong second-factor codes (the
      // lockout is shared), and a password alone must not clear them.
      if (check.valid) return noVerdict(true);
      this.publishWrongPassword(attempt, user.id, context, 'confirm');
      return wrong(false);
    });
    if (!confirmed) throw invalidCredentials();
    return user;
  }

  /**
   * The password a change must show: none for an account that has none yet (signed up with a
   * passkey or a provider: it gains one), else confirmPassword's check.
   */
  private async confirmCurrentPassword(
    userId: string,
    password: string | undefined,
    context: ClientContext,
  ): Promise<UserWithPasswordHash> {
    const user = await this.users.findPasswordHashById(userId);
    if (user && user.passwordHash === null) return user;
    return this.confirmPassword(userId, password ?? '', context);
  }

  /** Keeps the calling session, ends every other one; gives a password to one without. */
  async changePassword(
    principal: Principal,
    dto: ChangePasswordDto,
    context: ClientContext,
  ): Promise<void> {
    const user = await this.confirmCurrentPassword(principal.userId, dto.currentPassword, context);
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

  /** One login attempt, already reserved against the lockout. */
  private async judgePassword(
    dto: LoginDto,
    attempt: LoginAttempt,
    context: ClientContext,
  ): Promise<Verdict<LoginOutcome>> {
    const user = await this.users.findWithPasswordHash(dto.email);
    if (!user) {
      await this.hasher.verifyDummy(dto.password);
      this.publishWrongPassword(attempt, null, context);
      return wrong(wrongPassword);
    }
    const check = await this.hasher.verify(user.passwordHash, dto.password);
    if (!check.valid) {
      this.publishWrongPassword(attempt, user.id, context);
      return wrong(wrongPassword);
    }
    const refusal = this.refusalFor(user);
    if (refusal) {
      this.events.publish('login.failed', {
        userId: user.id,
        context,
        detail: { method: 'password', reason: refusal },
      });
      return noVerdict({ kind: 'refused', reason: refusal });
    }
    // A right password means there is a hash.
    const currentHash = check.needsRehash
      ? await this.upgradeHash(user, dto.password)
      : (user.passwordHash ?? undefined);
    const issued = await this.openPasswordSession(user.id, currentHash, context);
    if (issued === 'second_factor') {
      // Not a failure, nor yet a success: the second step decides. Bound to the hash just
      // verified: a password changed meanwhile starts no second step.
      const mfaToken = currentHash && (await this.secondFactor.challenge(user.id, currentHash));
      if (!mfaToken) return right(wrongPassword);
      const factors = await this.secondFactor.factors(user.id);
      return noVerdict({ kind: 'second_factor', mfaToken, factors });
    }
    // Nothing opened: the password changed, or the account was disabled or deleted meanwhile.
    // The password was right all the same, so the lockout count is reset, as it always was.
    return right(issued ? { kind: 'session', issued } : wrongPassword);
  }

  /**
   * A password-only session, unless a second factor is on: asked with the user's row locked,
   * as turning TOTP on locks it, so a confirm either committed before (the factor is found) or
   * waits for this session and then revokes it. A password changed since it was verified
   * opens nothing (undefined): that change ended every session.
   */
  private openPasswordSession(
    userId: string,
    currentHash: string | undefined,
    context: ClientContext,
  ): Promise<IssuedRefreshToken | 'second_factor' | undefined> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.users.lockById(manager, userId))) return undefined;
      if (await this.secondFactor.isRequired(userId, manager)) return 'second_factor';
      if (!currentHash) return undefined;
      return this.sessions.open(userId, context, { manager, whilePasswordHash: currentHash });
    });
  }

  private refusalFor(user: User): AccountRefusal | undefined {
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

  /**
   * A wrong password: login.failed, and login.locked_out when this very attempt locked. One
   * asked again to confirm a change (`step: 'confirm'`) is told apart from a sign-in.
   */
  private publishWrongPassword(
    attempt: LoginAttempt,
    userId: string | null,
    context: ClientContext,
    step?: 'confirm',
  ): void {
    this.events.publishWrongCredential('login.failed', this.lockout.lockedBy(attempt), {
      userId,
      context,
      detail: step ? { method: 'password', step } : { method: 'password' },
    });
  }
}
