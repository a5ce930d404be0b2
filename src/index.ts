/**
 * Latch as a library: `import { LatchModule, AccessTokenGuard, Authorized } from 'latch'`.
 * What is exported here is the public API; everything else is Latch's own.
 */
export { LatchModule, LATCH_OPTIONS, type LatchModuleExtras } from './latch.module';
export { resolveLatchOptions, type LatchOptions } from './latch.options';
export type * from './latch.settings';
export { latchEntities, latchMigrations } from './database/latch-schema';
export { LatchRequirementError } from './host-requirements';
export { ConfigurationError } from './config/configuration-error';
export { latchOptionsFromEnv } from './config/namespaces';

// Guards and decorators for a host's own controllers.
export { AccessTokenGuard } from './auth/tokens/access-token.guard';
export { ACCESS_TOKEN_STRATEGY } from './auth/tokens/access-token.strategy';
export { RefreshTokenGuard } from './auth/refresh/refresh-token.guard';
export { REFRESH_TOKEN_STRATEGY } from './auth/refresh/refresh-token.strategy';
export { Authorized, type AuthorizedOptions } from './auth/decorators/authorized.decorator';
export { Public } from './auth/decorators/public.decorator';
export { Roles } from './auth/decorators/roles.decorator';
export { CurrentUser } from './auth/decorators/current-user.decorator';
export type { Principal } from './auth/principal';
export type { ClientContext } from './auth/client-context';

// Audit events (subscribe with @OnEvent(authEventName('login.succeeded')) or 'auth.**').
export { AUTH_EVENT_TYPES, authEventName } from './auth/events/auth-event';
export type { AuthEvent, AuthEventType } from './auth/events/auth-event';

// Metrics (options.metrics): Latch's own prom-client registry, for a host to serve or merge.
export { LatchMetrics } from './metrics/latch-metrics';
export type { AuthSignals, AuthSignalName, LoginMethod } from './auth/events/auth-signal';
export { authSignalName } from './auth/events/auth-signal';

// Errors: every answer of Latch's routes is one of these, rendered as problem+json.
export { ProblemException, type ProblemCode } from './common/problem';
export { ProblemFilter } from './common/problem.filter';
