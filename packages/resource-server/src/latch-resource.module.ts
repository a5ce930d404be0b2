import {
  ConfigurableModuleBuilder,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccessTokenGuard } from './access-token.guard';
import { JwksCache } from './jwks-cache';
import {
  type LatchResourceOptions,
  RESOLVED_OPTIONS,
  type ResolvedResourceOptions,
  resolveResourceOptions,
} from './options';
import { ResourceProblemFilter } from './problem';
import { RevocationFeedClient } from './revocation-feed-client';
import { Revocations } from './revocations';
import { TokenVerifier } from './token-verifier';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: LATCH_RESOURCE_OPTIONS } =
  new ConfigurableModuleBuilder<LatchResourceOptions>({ moduleName: 'LatchResource' })
    .setClassMethodName('forRoot')
    .setExtras({}, (definition: DynamicModule) => withParts(definition))
    .build();

/** How long start-up waits for the feed's first snapshot before serving anyway. */
const FIRST_SNAPSHOT_WAIT_MS = 3000;

/** Opens the revocation feed when the application starts and closes it when it stops. */
@Injectable()
class FeedConnection implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LatchResourceModule');
  private readonly client?: RevocationFeedClient;

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedResourceOptions,
    private readonly revocations: Revocations,
  ) {
    const feed = options.revocationFeed;
    if (feed)
      this.client = new RevocationFeedClient(feed.url, feed.token, revocations, this.logger);
  }

  /** Serving before the snapshot would answer 503 (reject) or skip revocations (accept). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.client) {
      this.logger.warn(
        'no revocationFeed: a revoked session keeps working until its token expires',
      );
      return;
    }
    this.client.start();
    if (!(await this.client.waitLive(FIRST_SNAPSHOT_WAIT_MS))) {
      this.logger.warn('the revocation feed is not live yet; onFeedLoss applies until it is');
    }
  }

  onModuleDestroy(): void {
    this.client?.stop();
    this.revocations.stop();
  }
}

function withParts(definition: DynamicModule): DynamicModule {
  const logger = new Logger('LatchResourceModule');
  return {
    ...definition,
    // Global, as Latch's AuthModule: any feature module can put the guard on its routes.
    global: true,
    providers: [
      ...(definition.providers ?? []),
      {
        provide: RESOLVED_OPTIONS,
        inject: [LATCH_RESOURCE_OPTIONS],
        useFactory: resolveResourceOptions,
      },
      {
        provide: JwksCache,
        inject: [RESOLVED_OPTIONS],
        useFactory: (options: ResolvedResourceOptions) =>
          new JwksCache(options.jwksUrl, options.algorithms, undefined, (message) =>
            logger.warn(message),
          ),
      },
      {
        provide: TokenVerifier,
        inject: [RESOLVED_OPTIONS, JwksCache],
        useFactory: (options: ResolvedResourceOptions, jwks: JwksCache) =>
          new TokenVerifier(options, jwks),
      },
      {
        provide: Revocations,
        inject: [RESOLVED_OPTIONS],
        useFactory: (options: ResolvedResourceOptions) =>
          new Revocations(options.revocationFeed !== undefined, options.onFeedLoss),
      },
      FeedConnection,
      AccessTokenGuard,
      { provide: APP_FILTER, useClass: ResourceProblemFilter },
    ],
    exports: [RESOLVED_OPTIONS, TokenVerifier, Revocations, AccessTokenGuard],
  };
}

/**
 * Latch's access tokens in another Nest service, Express or Fastify:
 *
 * ```ts
 * LatchResourceModule.forRoot({
 *   issuer: 'https://auth.example.com', audience: 'orders-api', onFeedLoss: 'reject',
 *   revocationFeed: { url: 'https://auth.example.com/auth/revocations', token: process.env.LATCH_FEED_TOKEN },
 * })
 * ```
 */
@Module({})
export class LatchResourceModule extends ConfigurableModuleClass {}
