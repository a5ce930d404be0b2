import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../common/problem';
import { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { ClientContext } from './client-context';
import { ChangePasswordDto, LoginDto, RegisterDto } from './dto/credentials.dto';
import { AuthEventBus } from './events/auth-event-bus';
import { LoginLockout, lockedOut } from './passwords/login-lockout';
import { PasswordHasher } from './passwords/password-hasher';
import type { Principal } from './principal';
import { IssuedRefreshToken } from './refresh/issued-refresh-token';
import { SessionRevoker } from './revocation/session-revoker';
import { SessionsService } from './sessions/sessions.service';

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
  ) {}

  /** The user and their first session, created together. */
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
      return {
        user: created,
        issued: await this.sessions.open(created.id, created.roles, context, manager),
      };
    });
    this.events.publish('user.registered', {
      userId: user.id,
      sessionId: issued.sessionId,
      context,
    });
    return { user, issued };
  }

  async login(dto: LoginDto, context: ClientContext): Promise<IssuedRefreshToken> {
    const attempts = await this.lockout.state(dto.email);
    if (attempts.lockedFor > 0) throw lockedOut(attempts.lockedFor);
    const user = await this.users.findWithPasswordHash(dto.email);
    if (!user) {
      await this.hasher.verifyDummy(dto.password);
      return this.failLogin(dto.email, null, context);
    }
    const check = await this.hasher.verify(user.passwordHash, dto.password);
    if (!check.valid) return this.failLogin(dto.email, user.id, context);
    if (check.needsRehash) {
      await this.users.setPasswordHash(user.id, await this.hasher.hash(dto.password), false);
    }
    if (attempts.failures > 0) await this.lockout.reset(dto.email);
    const issued = await this.sessions.open(user.id, user.roles, context);
    this.events.publish('login.succeeded', {
      userId: user.id,
      sessionId: issued.sessionId,
      context,
    });
    return issued;
  }

  /** Keeps the calling session, ends every other one. */
  async changePassword(
    principal: Principal,
    dto: ChangePasswordDto,
    context: ClientContext,
  ): Promise<void> {
    const user = await this.users.findPasswordHashById(principal.userId);
    if (!user || !(await this.hasher.verify(user.passwordHash, dto.currentPassword)).valid) {
      throw invalidCredentials();
    }
    await this.users.setPasswordHash(user.id, await this.hasher.hash(dto.newPassword), true);
    await this.revoker.revokeAllOfUser(user.id, 'password_changed', context, principal.sessionId);
    this.events.publish('password.changed', {
      userId: user.id,
      sessionId: principal.sessionId,
      context,
    });
  }

  private async failLogin(
    email: string,
    userId: string | null,
    context: ClientContext,
  ): Promise<never> {
    const locked = await this.lockout.recordFailure(email);
    this.events.publish('login.failed', { userId, context });
    if (locked > 0) this.events.publish('login.locked_out', { userId, context });
    throw invalidCredentials();
  }
}
