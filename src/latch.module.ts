import {
  Catch,
  ConfigurableModuleBuilder,
  DynamicModule,
  Module,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AccountsModule } from './accounts/accounts.module';
import { AuthModule } from './auth/auth.module';
import { FederationModule } from './auth/federation/federation.module';
import { ProblemException } from './common/problem';
import { ProblemFilter } from './common/problem.filter';
import { DatabaseModule, type OwnConnection } from './database/database.module';
import { HostRequirements } from './host-requirements';
import { resolveLatchOptions, type LatchOptions } from './latch.options';
import {
  AUTH_SETTINGS,
  DATABASE_SETTINGS,
  FEDERATION_SETTINGS,
  JWT_SETTINGS,
  LATCH_SETTINGS,
  type LatchSettings,
  MAIL_SETTINGS,
  METRICS_SETTINGS,
  MFA_SETTINGS,
  PASSKEY_SETTINGS,
  REDIS_SETTINGS,
  REFRESH_KEY_SETTINGS,
} from './latch.settings';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MetricsModule } from './metrics/metrics.module';

/** What is decided when the module is imported, not by the (possibly async) options. */
export interface LatchModuleExtras {
  /**
   * `'own'` (default): Latch opens its connection (`database.url`, or the embedded PostgreSQL)
   * and migrates it. `'host'`: Latch uses the host's TypeORM DataSource, which must include
   * `latchEntities` and `latchMigrations`.
   */
  dataSource?: 'own' | 'host';
  /** With an own connection: more entities and migrations of the host's to share it. */
  connection?: OwnConnection;
  /**
   * `'own'` (default): Latch sets up `EventEmitterModule` (wildcard, '.' delimiter). `'host'`:
   * the host's EventEmitterModule is used; it must have `wildcard: true`, checked at start.
   */
  events?: 'own' | 'host';
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: LATCH_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LatchOptions>({ moduleName: 'Latch' })
  .setClassMethodName('forRoot')
  .setExtras<LatchModuleExtras>({}, (definition, extras) => withParts(definition, extras))
  .build();

const slice = (token: symbol, pick: (settings: LatchSettings) => unknown): Provider => ({
  provide: token,
  inject: [LATCH_SETTINGS],
  useFactory: pick,
});

export const SETTINGS_TOKENS = [
  LATCH_SETTINGS,
  DATABASE_SETTINGS,
  AUTH_SETTINGS,
  JWT_SETTINGS,
  REFRESH_KEY_SETTINGS,
  MFA_SETTINGS,
  MAIL_SETTINGS,
  PASSKEY_SETTINGS,
  REDIS_SETTINGS,
  METRICS_SETTINGS,
  FEDERATION_SETTINGS,
];

/**
 * The options, resolved and checked once (a bad one stops start-up with one line naming it),
 * then each slice under its own token, so a part of Latch asks only for what it uses.
 */
export const settingsProviders = (hostDataSource: boolean): Provider[] => [
  {
    provide: LATCH_SETTINGS,
    inject: [LATCH_OPTIONS],
    useFactory: (options: LatchOptions) => resolveLatchOptions(options, { hostDataSource }),
  },
  slice(DATABASE_SETTINGS, (s) => s.database),
  slice(AUTH_SETTINGS, (s) => s.auth),
  slice(JWT_SETTINGS, (s) => s.jwt),
  slice(REFRESH_KEY_SETTINGS, (s) => s.refreshKey),
  slice(MFA_SETTINGS, (s) => s.mfa),
  slice(MAIL_SETTINGS, (s) => s.mail),
  slice(PASSKEY_SETTINGS, (s) => s.passkeys),
  slice(REDIS_SETTINGS, (s) => s.redis),
  slice(METRICS_SETTINGS, (s) => s.metrics),
  slice(FEDERATION_SETTINGS, (s) => s.federation),
];

/**
 * Latch's own errors wherever they are thrown, as on Latch's routes: a guard of Latch's on a
 * host's route (401 missing_token, 403 forbidden, …) answers problem+json with its `code`.
 * Only ProblemException is caught, so every other error of the host's keeps the host's format.
 */
@Catch(ProblemException)
class LatchProblemFilter extends ProblemFilter {}

function withParts(definition: DynamicModule, extras: LatchModuleExtras): DynamicModule {
  const hostDataSource = extras.dataSource === 'host';
  return {
    ...definition,
    // Global: the settings reach every part of Latch, and the guards every feature module.
    global: true,
    imports: [
      ...(definition.imports ?? []),
      ...(extras.events === 'host'
        ? []
        : [EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' })]),
      hostDataSource ? DatabaseModule.host() : DatabaseModule.own(extras.connection),
      AuthModule,
      FederationModule,
      AccountsModule,
      MaintenanceModule,
      MetricsModule,
    ],
    providers: [
      ...(definition.providers ?? []),
      ...settingsProviders(hostDataSource),
      HostRequirements,
      { provide: APP_FILTER, useClass: LatchProblemFilter },
    ],
    exports: [LATCH_OPTIONS, ...SETTINGS_TOKENS, AuthModule, MetricsModule],
  };
}

/**
 * Latch in a Nest application: credentials, tokens, sessions, accounts and their routes.
 *
 * ```ts
 * LatchModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ … }) })
 * ```
 *
 * It brings its database connection (or uses the host's), its events, its cleanup job, and
 * problem+json with validation on its own routes; it checks at start what it needs of the
 * host application (the Fastify adapter, `@fastify/cookie`).
 */
@Module({})
export class LatchModule extends ConfigurableModuleClass {}
