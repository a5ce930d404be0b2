import { Module } from '@nestjs/common';
import { MailModule } from '../accounts/mail/mail.module';
import { AuthEventMetrics } from './auth-event-metrics';
import { HttpMetrics } from './http-metrics';
import { LatchMetrics } from './latch-metrics';
import { MetricsServer } from './metrics-server';
import { ServiceStateMetrics } from './service-state-metrics';

/**
 * Prometheus metrics (`metrics` options): off unless asked for. On, they are collected into
 * LatchMetrics' own registry and, with `metrics.port`, served by MetricsServer on that port
 * alone. Nothing else in Latch imports this module: it listens to the events the rest
 * publishes and reads the state the rest exposes.
 */
@Module({
  imports: [MailModule],
  providers: [LatchMetrics, AuthEventMetrics, HttpMetrics, ServiceStateMetrics, MetricsServer],
  exports: [LatchMetrics, MetricsServer],
})
export class MetricsModule {}
