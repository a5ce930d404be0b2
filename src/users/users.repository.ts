import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, QueryFailedError, Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';
/** The role some enabled account must always keep. */
const ADMIN_ROLE = 'admin';

const isUniqueViolation = (error: unknown) =>
  (error as QueryFailedError & { driverError?: { code?: string } }).driverError?.code ===
  UNIQUE_VIOLATION;
export const emailTaken = () =>
  new ProblemException(
    HttpStatus.CONFLICT,
    'email_taken',
    'an account with this email already exists',
  );

/** A user with the password hash, which no other read selects. */
export type UserWithPasswordHash = User;

/** What an administrator may change on a user; absent fields stay as they are. */
export interface UserChanges {
  roles?: string[];
  disabled?: boolean;
}

/** A user as changed, with what it was before. */
export interface ChangedUser {
  user: User;
  previous: { roles: string[]; disabled: boolean };
}

/** The columns of `users` every read but the password checks selects. */
interface UserRow {
  id: string;
  email: string;
  name: string;
  roles: string[];
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date;
  email_verified: boolean;
  disabled: boolean;
}

const USER_COLUMNS = `id, email, name, roles, created_at, updated_at, password_changed_at,
  email_verified, disabled`;

function fromRow(row: UserRow): User {
  return Object.assign(new User(), {
    id: row.id,
    email: row.email,
    name: row.name,
    roles: row.roles,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    passwordChangedAt: row.password_changed_at,
    emailVerified: row.email_verified,
    disabled: row.disabled,
  });
}

/** Every statement on `users`. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Creates a user; 409 email_taken when the (normalised) email exists. */
  async create(
    input: {
      email: string;
      name: string;
      /** Null: an account without a password (signed up with a passkey or a provider). */
      passwordHash: string | null;
      roles?: string[];
      /** An operator vouching for the address (user:create --verified). */
      emailVerified?: boolean;
    },
    manager: EntityManager = this.users.manager,
  ): Promise<User> {
    try {
      const user = manager.create(User, {
        ...input,
        roles: input.roles ?? ['user'],
        emailVerified: input.emailVerified ?? false,
      });
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

  /** A page of users, newest first (ties broken by id, so pages never overlap). */
  async list(limit: number, offset: number): Promise<User[]> {
    const rows: UserRow[] = await this.users.query(
      `SELECT ${USER_COLUMNS} FROM users
       ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows.map(fromRow);
  }

  /**
   * Changes roles and/or the disabled flag in one statement that also reports the values it
   * replaced (read under the row lock, so two concurrent changes each see the other's
   * result). Undefined for an unknown id; 'last_admin' (nothing changed) when the change
   * would leave no enabled administrator. Every enabled administrator's row is locked first,
   * in id order, so two administrators demoting or disabling each other at once are decided
   * one after the other, the second seeing the first's result. Taking the row lock also
   * orders the change against a session being opened (which share-locks the row): see
   * SessionsRepository.open.
   */
  async change(id: string, changes: UserChanges): Promise<ChangedUser | 'last_admin' | undefined> {
    const rows: (Partial<UserRow> & {
      previous_roles: string[];
      previous_disabled: boolean;
      last_admin: boolean;
    })[] = await this.users.query(
      `WITH admins AS (
         SELECT id FROM users WHERE $4::text = ANY(roles) AND NOT disabled
         ORDER BY id FOR UPDATE),
       -- The admins' locks first (an InitPlan, run before this row is locked): locking the
       -- target first would deadlock two administrators changing each other.
       previous AS (
         SELECT id, roles, disabled FROM users
         WHERE id = $1 AND (SELECT count(*) FROM admins) >= 0 FOR UPDATE),
       verdict AS (
         SELECT previous.id,
           previous.id IN (SELECT id FROM admins)
           AND NOT ($4::text = ANY(coalesce($2::text[], previous.roles))
                    AND NOT coalesce($3::boolean, previous.disabled))
           AND NOT EXISTS (SELECT 1 FROM admins WHERE admins.id <> previous.id) AS last_admin
         FROM previous),
       changed AS (
         UPDATE users u SET
           roles = coalesce($2::text[], u.roles),
           disabled = coalesce($3::boolean, u.disabled),
           updated_at = now()
         FROM previous JOIN verdict ON verdict.id = previous.id
         WHERE u.id = previous.id AND NOT verdict.last_admin
         RETURNING u.id, u.email, u.name, u.roles, u.created_at, u.updated_at,
           u.password_changed_at, u.email_verified, u.disabled,
           previous.roles AS previous_roles, previous.disabled AS previous_disabled)
       SELECT changed.*, verdict.last_admin
       FROM verdict LEFT JOIN changed ON changed.id = verdict.id`,
      [id, changes.roles ?? null, changes.disabled ?? null, ADMIN_ROLE],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.last_admin) return 'last_admin';
    if (!row.id) return undefined;
    return {
      user: fromRow(row as UserRow),
      previous: { roles: row.previous_roles, disabled: row.previous_disabled },
    };
  }

  /**
   * Deletes the user; sessions, refresh tokens, notes and the other rows that reference the
   * user go with it (ON DELETE CASCADE). False for an unknown id.
   */
  async delete(id: string): Promise<boolean> {
    const rows: { id: string }[] = await this.users.query(
      `WITH deleted AS (DELETE FROM users WHERE id = $1 RETURNING id) SELECT id FROM deleted`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * Replaces the hash only if it is still `expectedHash`, the one the caller verified, so a
   * concurrent change is never overwritten; `changed` marks a real password change (not a
   * parameter upgrade). False when the hash had changed meanwhile.
   */
  async replacePasswordHash(
    id: string,
    expectedHash: string | null,
    passwordHash: string,
    changed: boolean,
  ): Promise<boolean> {
    const result = await this.users.update(
      { id, passwordHash: expectedHash ?? IsNull() },
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

  /**
   * Switches the address, verified; 409 email_taken when another account has it. Null for an
   * unknown or a disabled account: a disabled account's address does not move.
   */
  async changeEmail(manager: EntityManager, id: string, email: string): Promise<User | null> {
    try {
      const result = await manager.update(
        User,
        { id, disabled: false },
        { email, emailVerified: true },
      );
      return (result.affected ?? 0) > 0 ? manager.findOneBy(User, { id }) : null;
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }
}
