import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { MAIL_KINDS } from '../accounts/mail/templates';
import { METRICS_SETTINGS, type MetricsSettings } from '../latch.settings';
import {
  LOGIN_OUTCOMES,
  METRIC_LOGIN_METHODS,
  RATE_LIMITED_LIMITS,
  REFRESH_OUTCOMES,
  REVOKED_REASONS,
} from './metric-labels';
import { RequestMetrics } from './request-metrics';

/** argon2id at OWASP parameters is about 28 ms on an idle core; more under load. */
const HASH_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Latch's metrics, in a registry of its own: a host's global registry is never touched.
 * A host that opted in (`metrics: { enabled: true }`) may serve `registry` itself or merge
 * it into its own (`Registry.merge([register, latchMetrics.registry])`, with
 * `defaultMetrics: false` if it collects process_* and nodejs_* already). Names and labels
 * are the contract's (docs/operations.md#metrics); no label ever holds an id, an address or
 * an e-mail.
 */
@Injectable()
export class LatchMetrics {
  readonly registry = new Registry();
  readonly enabled: boolean;

  readonly requests = new RequestMetrics(this.registry);
  readonly logins = new Counter({
    name: 'latch_logins_total',
    help: 'Sign-in attempts by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly refreshes = new Counter({
    name: 'latch_refresh_total',
    help: 'Refresh token presentations by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly sessionsRevoked = new Counter({
    name: 'latch_sessions_revoked_total',
    help: 'Sessions revoked by this instance, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'latch_rate_limited_total',
    help: 'Requests refused with 429, by the limit that refused them',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly mailSent = new Counter({
    name: 'latch_mail_sent_total',
    help: 'Mails the transport accepted, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly mailFailed = new Counter({
    name: 'latch_mail_failed_total',
    help: 'Mails given up after their last attempt, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly passwordHashDuration = new Histogram({
    name: 'latch_password_hash_duration_seconds',
    help: 'Time of one argon2id hash or verification, waiting for a slot not included',
    buckets: HASH_BUCKETS,
    registers: [this.registry],
  });

  constructor(@Inject(METRICS_SETTINGS) settings: MetricsSettings) {
    this.enabled = settings.enabled;
    if (!this.enabled) return;
    if (settings.defaultMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges that prom-client names *_total, which Prometheus reserves for counters
      // (`promtool check metrics` refuses them); nodejs_active_handles{type} and its siblings
      // hold the same numbers by type: sum() them for the total.
      for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    }
    this.startAtZero();
  }

  /**
   * Every known series exists from the start at 0, so `rate()` and `increase()` see the
   * first event instead of a series that appears with it.
   */
  private startAtZero(): void {
    for (const method of METRIC_LOGIN_METHODS) {
      for (const outcome of LOGIN_OUTCOMES) this.logins.labels(method, outcome).inc(0);
    }
    for (const outcome of REFRESH_OUTCOMES) this.refreshes.labels(outcome).inc(0);
    for (const reason of REVOKED_REASONS) this.sessionsRevoked.labels(reason).inc(0);
    for (const limit of RATE_LIMITED_LIMITS) this.rateLimited.labels(limit).inc(0);
    for (const kind of MAIL_KINDS) {
      this.mailSent.labels(kind).inc(0);
      this.mailFailed.labels(kind).inc(0);
    }
  }
}
