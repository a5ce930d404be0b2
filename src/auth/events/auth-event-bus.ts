import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuthEvent, AuthEventInput, authEventName, AuthEventType } from './auth-event';
import { AuthSignalName, authSignalName, AuthSignals } from './auth-signal';

/** Publishes auth events on the Nest event bus; the audit log is one subscriber among others. */
@Injectable()
export class AuthEventBus {
  constructor(private readonly emitter: EventEmitter2) {}

  /**
   * A credential judged wrong (a password, a second-factor code): its failure event, and
   * `login.locked_out` when this very attempt locked the account.
   */
  publishWrongCredential(
    type: 'login.failed' | 'mfa_failed',
    lockedNow: boolean,
    input: AuthEventInput,
  ): void {
    this.publish(type, input);
    if (lockedNow) {
      this.publish('login.locked_out', { userId: input.userId, context: input.context });
    }
  }

  publish(type: AuthEventType, input: AuthEventInput): void {
    const event: AuthEvent = {
      type,
      at: new Date(),
      userId: input.userId ?? null,
      sessionId: input.sessionId ?? null,
      ip: input.context?.ip ?? null,
      userAgent: input.context?.userAgent ?? null,
      detail: input.detail ?? {},
    };
    this.emitter.emit(authEventName(type), event);
  }

  /** A signal (auth-signal.ts): counted by the metrics, never written to the audit log. */
  signal<N extends AuthSignalName>(name: N, payload: AuthSignals[N]): void {
    this.emitter.emit(authSignalName(name), payload);
  }
}
