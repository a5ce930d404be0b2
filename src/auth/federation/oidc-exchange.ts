import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUTH_SETTINGS, type AuthSettings } from '../../latch.settings';
import { UsersRepository } from '../../users/users.repository';
import { AccountOpening } from '../account-opening';
import type { ClientContext } from '../client-context';
import type { AccountRefusal } from '../credential-problems';
import { AuthEventBus } from '../events/auth-event-bus';
import type { IssuedRefreshToken } from '../refresh/issued-refresh-token';
import { SECOND_FACTOR, type SecondFactor, type SecondStepFactor } from '../second-factor.port';
import { SessionsService } from '../sessions/sessions.service';
import { AMR_FEDERATED } from '../tokens/access-token-claims';
import { hashOfSecret } from './flow-secrets';
import { IdentitiesRepository } from './identities.repository';
import { type CodeRow, OidcFlowsRepository } from './oidc-flows.repository';

/** How an exchange ends; the controller turns each into its answer. */
export type ExchangeOutcome =
  | { kind: 'session'; issued: IssuedRefreshToken }
  | { kind: 'second_factor'; mfaToken: string; factors: SecondStepFactor[] }
  | { kind: 'refused'; reason: AccountRefusal }
  | { kind: 'invalid' };

/**
 * POST /auth/oidc/exchange: the callback's one-time code (taken once, by one DELETE) for a
 * session with `amr` ["fed"], or, for an account with a second factor, for its second step.
 * The account is judged again here, as at login: the code may be up to a minute old.
 */
@Injectable()
export class OidcExchange {
  constructor(
    private readonly dataSource: DataSource,
    private readonly flows: OidcFlowsRepository,
    private readonly users: UsersRepository,
    private readonly identities: IdentitiesRepository,
    private readonly sessions: SessionsService,
    private readonly opening: AccountOpening,
    private readonly events: AuthEventBus,
    @Inject(SECOND_FACTOR) private readonly secondFactor: SecondFactor,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  async exchange(code: string, context: ClientContext): Promise<ExchangeOutcome> {
    const hash = hashOfSecret(code);
    const row = hash && (await this.flows.takeCode(hash, this.dataSource.manager));
    if (!row) return { kind: 'invalid' };
    const outcome = row.user_id
      ? await this.signInExisting(row.user_id, context)
      : await this.openAccount(row, context);
    this.publish(outcome, row, context);
    return outcome;
  }

  private async signInExisting(userId: string, context: ClientContext): Promise<ExchangeOutcome> {
    const result = await this.dataSource.transaction(async (manager) => {
      // Locked as the password login locks it: a factor turned on meanwhile is seen.
      const user = await this.users.lockById(manager, userId);
      if (!user) return { kind: 'invalid' } as const;
      if (user.disabled) return { kind: 'refused', reason: 'account_disabled' } as const;
      if (this.auth.requireVerifiedEmail && !user.emailVerified) {
        return { kind: 'refused', reason: 'email_not_verified' } as const;
      }
      if (await this.secondFactor.isRequired(userId, manager)) return 'second_factor' as const;
      const issued = await this.sessions.open(userId, context, { manager, amr: AMR_FEDERATED });
      return issued ? ({ kind: 'session', issued } as const) : ({ kind: 'invalid' } as const);
    });
    if (result !== 'second_factor') return result;
    const mfaToken = await this.secondFactor.challenge(userId, null, AMR_FEDERATED);
    if (!mfaToken) return { kind: 'invalid' };
    return { kind: 'second_factor', mfaToken, factors: await this.secondFactor.factors(userId) };
  }

  /** Rule 3: the new account, its identity and its first session, together. */
  private async openAccount(row: CodeRow, context: ClientContext): Promise<ExchangeOutcome> {
    // A simultaneous exchange of another code for the same identity opened it already.
    const linked = await this.identities.find(row.provider, row.subject);
    if (linked) return this.signInExisting(linked.user_id, context);
    const { user, issued } = await this.opening.open(
      { email: row.email!, name: row.name, passwordHash: null, emailVerified: row.email_verified },
      context,
      {
        amr: AMR_FEDERATED,
        inTransaction: async (created, manager) => {
          await this.identities.link(
            {
              provider: row.provider,
              subject: row.subject,
              userId: created.id,
              email: row.email,
              used: true,
            },
            manager,
          );
        },
      },
    );
    this.events.publish('identity_linked', {
      userId: user.id,
      sessionId: issued?.sessionId ?? null,
      context,
      detail: { provider: row.provider, by: 'new_account' },
    });
    return issued ? { kind: 'session', issued } : { kind: 'refused', reason: 'email_not_verified' };
  }

  private publish(outcome: ExchangeOutcome, row: CodeRow, context: ClientContext): void {
    const detail = { method: 'oidc', provider: row.provider };
    if (outcome.kind === 'session') {
      const input = {
        userId: outcome.issued.userId,
        sessionId: outcome.issued.sessionId,
        context,
        detail,
      };
      this.events.publish('oidc_login', input);
      this.events.publish('login.succeeded', input);
    } else if (outcome.kind === 'refused') {
      this.events.publish('login.failed', {
        userId: row.user_id,
        context,
        detail: { ...detail, reason: outcome.reason },
      });
    }
  }
}
