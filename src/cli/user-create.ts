import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { PasswordHasher } from '../auth/passwords/password-hasher';
import { RegisterDto } from '../auth/dto/credentials.dto';
import { allConfigs } from '../config/namespaces';
import { validateEnvironment } from '../config/environment';
import { DatabaseModule } from '../database/database.module';
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

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    DatabaseModule,
    TypeOrmModule.forFeature([User]),
  ],
  providers: [UsersRepository, PasswordHasher],
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

  validateEnvironment();
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
