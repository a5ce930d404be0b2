import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { AuthEventBus } from '../auth/events/auth-event-bus';
import { PasswordHasher } from '../auth/passwords/password-hasher';
import { RegisterDto } from '../auth/dto/credentials.dto';
import { latchOptionsFromEnv } from '../config/namespaces';
import { DatabaseModule } from '../database/database.module';
import { LATCH_OPTIONS, settingsProviders, SETTINGS_TOKENS } from '../latch.module';
import { User } from '../users/user.entity';
import { MAX_ROLES, ROLE_PATTERN, uniqueRoles } from '../users/user-roles';
import { UsersRepository } from '../users/users.repository';
import { parseArgs, runCli } from './args';
import { readPassword } from './read-password';

const USAGE =
  'usage: npm run user:create -- --email E [--name N] [--role R ...] [--verified] [--password P]\n' +
  '--verified marks the address as verified (needed to log in when\n' +
  'AUTH_REQUIRE_VERIFIED_EMAIL=true): vouch only for an address you know belongs to the user.\n' +
  'Without --password, the password is read from standard input: one line, or typed at a\n' +
  'prompt without echo on a terminal. --password P is visible to every user of the machine\n' +
  '(ps, /proc) and stays in shell history: prefer standard input.\n' +
  'With the embedded database, stop the service first: one process owns DATA_DIR.';

/** Latch's settings from the environment (validated first), for the database and the hasher. */
@Global()
@Module({
  providers: [
    { provide: LATCH_OPTIONS, useFactory: () => latchOptionsFromEnv(process.env) },
    ...settingsProviders(false),
  ],
  exports: SETTINGS_TOKENS,
})
class SettingsFromEnv {}

/** The hasher signals its timings on the event bus; here nothing listens to them. */
@Module({
  imports: [
    SettingsFromEnv,
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
    DatabaseModule.own(),
    TypeOrmModule.forFeature([User]),
  ],
  providers: [UsersRepository, PasswordHasher, AuthEventBus],
})
class UserCreateModule {}

/** Creates a user from the command line: the way an operator makes the first admin. */
runCli(async () => {
  const args = parseArgs(process.argv.slice(2), ['verified']);
  if (args.has('help')) {
    console.log(USAGE);
    return;
  }
  const dto = plainToInstance(RegisterDto, {
    email: args.get('email')?.[0],
    password: args.get('password')?.[0] ?? (await readPassword('Password: ')),
    name: args.get('name')?.[0],
  });
  const problems = validateSync(dto).flatMap((e) => Object.values(e.constraints ?? {}));
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${USAGE}`);
  const roles = args.get('role') ?? ['user'];
  if (roles.some((role) => !ROLE_PATTERN.test(role))) {
    throw new Error('a role is a lower-case word of at most 32 characters');
  }
  if (roles.length > MAX_ROLES) throw new Error(`at most ${MAX_ROLES} roles`);
  const emailVerified = args.has('verified');

  latchOptionsFromEnv(process.env); // a bad variable stops here, before any connection
  const app = await NestFactory.createApplicationContext(UserCreateModule, { logger: ['error'] });
  try {
    const passwordHash = await app.get(PasswordHasher).hash(dto.password);
    const user = await app.get(UsersRepository).create({
      email: dto.email,
      name: dto.name ?? '',
      passwordHash,
      roles: uniqueRoles(roles),
      emailVerified,
    });
    console.log(
      `created user ${user.id} <${user.email}> with roles ${user.roles.join(', ')}` +
        (user.emailVerified ? ', address verified' : ''),
    );
  } finally {
    await app.close();
  }
});
