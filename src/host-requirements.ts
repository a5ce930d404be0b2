import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { FastifyInstance } from 'fastify';
import { AUTH_SETTINGS, type AuthSettings } from './latch.settings';

/** Thrown at start-up when the host application lacks something Latch needs. */
export class LatchRequirementError extends Error {
  override name = 'LatchRequirementError';
}

/**
 * What Latch needs of the application that imports it, checked once at start so that a
 * missing piece is one clear line instead of a 500 on the first refresh.
 */
@Injectable()
export class HostRequirements implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
    @Optional() private readonly events?: EventEmitter2,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // an application context without HTTP (a CLI, a service-level test)
    if (adapter.getType() !== 'fastify') {
      throw new LatchRequirementError(
        `Latch needs the Fastify adapter (@nestjs/platform-fastify); this application uses ${adapter.getType()}`,
      );
    }
    const fastify = adapter.getInstance<FastifyInstance>();
    if (this.auth.refreshTransport !== 'body' && !fastify.hasDecorator('parseCookie')) {
      throw new LatchRequirementError(
        'Latch needs @fastify/cookie for the refresh cookie: `await app.register(fastifyCookie)` ' +
          "before app.listen(), or set auth.refreshTransport to 'body'",
      );
    }
    const emitter = this.events as { wildcard?: boolean } | undefined;
    if (!emitter || emitter.wildcard !== true) {
      throw new LatchRequirementError(
        "Latch's events need EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' })",
      );
    }
  }
}
