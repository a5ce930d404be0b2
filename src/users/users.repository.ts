import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

const isUniqueViolation = (error: unknown) =>
  (error as QueryFailedError & { driverError?: { code?: string } }).driverError?.code ===
  UNIQUE_VIOLATION;
const emailTaken = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'email_taken',
    'an account with this email already exists',
  );

/** A user with the password hash, which no other read selects. */
export type UserWithPasswordHash = User & { passwordHash: string };

/** Every statement on `users`. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Creates a user; 409 email_taken when the (normalised) email exists. */
  async create(
    input: { email: string; name: string; passwordHash: string; roles?: string[] },
    manager: EntityManager = this.users.manager,
  ): Promise<User> {
    try {
      const user = manager.create(User, { ...input, roles: input.roles ?? ['user'] });
      return await manager.save(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** The user with this email (normalised), including the password hash. */
  findWithPasswordHash(email: string): Promise<UserWithPasswordHash | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('lower(user.email) = lower(:email)', { email })
      .getOne();
  }

  findPasswordHashById(id: string): Promise<UserWithPasswordHash | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.id = :id', { id })
      .getOne();
  }

  list(): Promise<User[]> {
    return this.users.find({ order: { createdAt: 'ASC' }, take: 1000 });
  }

  /**
   * Replaces the hash only if it is still `expectedHash`, the one the caller verified, so a
   * concurrent change is never overwritten; `changed` marks a real password change (not a
   * parameter upgrade). False when the hash had changed meanwhile.
   */
  async replacePasswordHash(
    id: string,
    expectedHash: string,
    passwordHash: string,
    changed: boolean,
  ): Promise<boolean> {
    const result = await this.users.update(
      { id, passwordHash: expectedHash },
      changed ? { passwordHash, passwordChangedAt: () => 'now()' } : { passwordHash },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Whether an account has this (normalised) email. */
  async emailExists(email: string): Promise<boolean> {
    return (
      (await this.users
        .createQueryBuilder('user')
        .where('lower(user.email) = lower(:email)', { email })
        .getCount()) > 0
    );
  }

  /** The user, its row locked until the transaction ends (one mail decision at a time). */
  lockById(manager: EntityManager, id: string): Promise<User | null> {
    return manager
      .createQueryBuilder(User, 'user')
      .setLock('pessimistic_write')
      .where('user.id = :id', { id })
      .getOne();
  }

  /** The user with this (normalised) email, its row locked until the transaction ends. */
  lockByEmail(manager: EntityManager, email: string): Promise<User | null> {
    return manager
      .createQueryBuilder(User, 'user')
      .setLock('pessimistic_write')
      .where('lower(user.email) = lower(:email)', { email })
      .getOne();
  }

  async markEmailVerified(manager: EntityManager, id: string): Promise<boolean> {
    const result = await manager.update(User, { id }, { emailVerified: true });
    return (result.affected ?? 0) > 0;
  }

  /** A password reset by mailed link: the new hash, and the address proven by that mail. */
  async resetPassword(
    manager: EntityManager,
    id: string,
    passwordHash: string,
  ): Promise<User | null> {
    const result = await manager.update(
      User,
      { id },
      { passwordHash, passwordChangedAt: () => 'now()', emailVerified: true },
    );
    return (result.affected ?? 0) > 0 ? manager.findOneBy(User, { id }) : null;
  }

  /** Switches the address, verified; 409 email_taken when another account has it. */
  async changeEmail(manager: EntityManager, id: string, email: string): Promise<User | null> {
    try {
      const result = await manager.update(User, { id }, { email, emailVerified: true });
      return (result.affected ?? 0) > 0 ? manager.findOneBy(User, { id }) : null;
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }
}
