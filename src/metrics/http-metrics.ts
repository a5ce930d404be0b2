import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LatchMetrics } from './latch-metrics';
import { httpMethod, UNMATCHED_ROUTE } from './metric-labels';

interface Series {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/**
 * latch_http_requests_total and latch_http_request_duration_seconds, from one Fastify
 * `onResponse` hook on the application's server: every route of the application (a host's
 * too), labelled with the route template Fastify matched (`/auth/sessions/:id`), never the
 * raw path. The timing is Fastify's own (`reply.elapsedTime`, from the request's arrival).
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  /** The labelled children by method, route and status: one Map lookup per request. */
  private readonly series = new Map<string, Series>();

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
    const method = httpMethod(request.method);
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        requests: this.metrics.httpRequests.labels(method, route, String(status)),
        duration: this.metrics.httpDuration.labels(method, route),
      };
      this.series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(reply.elapsedTime / 1000);
  }
}
