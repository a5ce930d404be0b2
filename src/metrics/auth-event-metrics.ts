import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { type AuthEvent, authEventName, type AuthEventType } from '../auth/events/auth-event';
import { type AuthSignalName, authSignalName, type AuthSignals } from '../auth/events/auth-signal';
import { LatchMetrics } from './latch-metrics';
import { loginLabels, loginMethod, mailKind, revokedReason } from './metric-labels';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter2's ListenerFn
type Listener = (payload: any) => void;

/**
 * The counters, fed from what Latch already publishes: its audit events (`auth.*`) and its
 * signals (`latch.signal.*`, no audit row). Subscribed only while metrics are on, so a
 * service without them pays nothing per event.
 */
@Injectable()
export class AuthEventMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly listeners: [string, Listener][] = [];

  constructor(
    private readonly metrics: LatchMetrics,
    private readonly emitter: EventEmitter2,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    const m = this.metrics;
    const countLogin = (event: AuthEvent) => {
      const labels = loginLabels(event);
      if (labels) m.logins.labels(labels.method, labels.outcome).inc();
    };
    this.onEvent('login.succeeded', countLogin);
    this.onEvent('login.failed', countLogin);
    this.onEvent('mfa_failed', countLogin);
    this.onSignal('login.mfa_required', ({ method }) => {
      if (loginMethod(method)) m.logins.labels(method, 'mfa_required').inc();
    });
    this.onSignal('login.locked', ({ method }) => {
      if (loginMethod(method)) m.logins.labels(method, 'locked').inc();
    });

    this.onEvent('token.refreshed', () => m.refreshes.labels('rotated').inc());
    this.onSignal('refresh.grace', () => m.refreshes.labels('grace').inc());
    this.onSignal('refresh.refused', ({ outcome }) => m.refreshes.labels(outcome).inc());

    this.onEvent('session.revoked', (event) => {
      const reason = revokedReason(event.detail.reason);
      if (reason) m.sessionsRevoked.labels(reason).inc();
    });
    this.onSignal('rate_limited', ({ limit }) => m.rateLimited.labels(limit).inc());
    this.onSignal('password.hashed', ({ seconds }) => m.passwordHashDuration.observe(seconds));

    this.onSignal('mail.sent', ({ kind }) => {
      const known = mailKind(kind);
      if (known) m.mailSent.labels(known).inc();
    });
    this.onEvent('mail_failed', (event) => {
      const known = mailKind(event.detail.kind);
      if (known) m.mailFailed.labels(known).inc();
    });
  }

  onModuleDestroy(): void {
    for (const [name, listener] of this.listeners) this.emitter.off(name, listener);
    this.listeners.length = 0;
  }

  private onEvent(type: AuthEventType, listener: (event: AuthEvent) => void): void {
    this.listen(authEventName(type), listener);
  }

  private onSignal<N extends AuthSignalName>(
    name: N,
    listener: (payload: AuthSignals[N]) => void,
  ): void {
    this.listen(authSignalName(name), listener);
  }

  private listen(name: string, listener: Listener): void {
    this.emitter.on(name, listener);
    this.listeners.push([name, listener]);
  }
}
