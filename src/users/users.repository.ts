import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

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
      const code = (error as QueryFailedError & { driverError?: { code?: string } }).driverError
        ?.code;
      if (code === UNIQUE_VIOLATION) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'email_taken',
          'an account with this email already exists',
        );
      }
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
}
