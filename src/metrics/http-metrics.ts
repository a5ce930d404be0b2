import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchMetrics } from './latch-metrics';
import { httpMethod, UNMATCHED_ROUTE } from './metric-labels';

/**
 * latch_http_requests_total and latch_http_request_duration_seconds, from one Fastify
 * `onResponse` hook on the application's server: every route of the application (a host's
 * too), labelled with the route template Fastify matched (`/auth/sessions/:id`), never the
 * raw path. The timing is Fastify's own (`reply.elapsedTime`, from the request's arrival).
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: LatchMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // No HTTP server (a CLI, a service-level test), or not Fastify (refused at start anyway).
    if (!this.metrics.enabled || adapter?.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.observe(request, reply);
      done();
    });
  }

  private observe(request: FastifyRequest, reply: FastifyReply): void {
    this.metrics.requests.observe(
      httpMethod(request.method),
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  }
}
