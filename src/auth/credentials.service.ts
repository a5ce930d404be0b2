import { HttpStatus, Injectable } from '@nestjs/common';
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

const invalidCredentials = () =>
  new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'invalid_credentials',
    'email or password is wrong',
  );

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
    private readonly creationHooks: UserCreationHooks,
  ) {}

  /** The user, their first session and what the creation hooks add, created together. */
  async register(
    dto: RegisterDto,
    context: ClientContext,
  ): Promise<{ user: User; issued: IssuedRefreshToken }> {
    const passwordHash = await this.hasher.hash(dto.password);
    const { user, issued } = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(
        { email: dto.email, name: dto.name?.trim() ?? '', passwordHash },
        manager,
      );
      await this.creationHooks.run(created, manager);
      const opened = await this.sessions.open(created.id, created.roles, context, { manager });
      if (!opened) throw new Error('the session of a user created in this transaction failed');
      return { user: created, issued: opened };
    });
    this.events.publish('user.registered', {
      userId: user.id,
      sessionId: issued.sessionId,
      context,
    });
    return { user, issued };
  }

  async login(dto: LoginDto, context: ClientContext): Promise<IssuedRefreshToken> {
    const issued = await this.withAttempt(dto.email, async (attempt) => {
      const user = await this.users.findWithPasswordHash(dto.email);
      if (!user) {
        await this.hasher.verifyDummy(dto.password);
        return this.failAttempt(attempt, null, context);
      }
      const check = await this.hasher.verify(user.passwordHash, dto.password);
      if (!check.valid) return this.failAttempt(attempt, user.id, context);
      await this.lockout.succeeded(attempt);
      const currentHash = check.needsRehash
        ? await this.upgradeHash(user, dto.password)
        : user.passwordHash;
      // A password changed since it was verified opens nothing: that change ended every session.
      const opened =
        currentHash &&
        (await this.sessions.open(user.id, user.roles, context, {
          whilePasswordHash: currentHash,
        }));
      if (!opened) throw invalidCredentials();
      return opened;
    });
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
    await this.withAttempt(user.email, async (attempt) => {
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

  /**
   * Runs a password check as one lockout attempt: reserved before (429 when locked) and
   * given back when the check ends in an error rather than a verdict (503, database loss).
   * Attempts for one email take turns on this instance, so simultaneous right passwords are
   * judged one after another instead of being refused for each other's reservations.
   */
  private withAttempt<T>(email: string, check: (attempt: LoginAttempt) => Promise<T>): Promise<T> {
    return this.lockout.oneAtATime(email, async () => {
      const attempt = await this.lockout.reserve(email);
      try {
        return await check(attempt);
      } catch (error) {
        const verdict = error instanceof ProblemException && error.code === 'invalid_credentials';
        if (!verdict) await this.lockout.release(attempt).catch(() => undefined);
        throw error;
      }
    });
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
    this.events.publish('login.failed', { userId, context });
    if (this.lockout.lockedBy(attempt)) {
      this.events.publish('login.locked_out', { userId, context });
    }
    throw invalidCredentials();
  }
}
