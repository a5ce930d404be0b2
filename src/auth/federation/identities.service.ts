import { HttpStatus, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemException } from '../../common/problem';
import { FEDERATION_SETTINGS } from '../../latch.settings';
import type { ClientContext } from '../client-context';
import { lastSignInMethod } from '../credential-problems';
import { AuthEventBus } from '../events/auth-event-bus';
import type { Principal } from '../principal';
import { UserCredentials } from '../user-credentials';
import type { FederationSettings } from './federation-settings';
import { hashOfSecret, newSecret } from './flow-secrets';
import { IdentitiesRepository } from './identities.repository';
import { IdentityProviders } from './identity-providers';
import { OidcFlowsRepository } from './oidc-flows.repository';

/** docs/api.md: a one-time link URL lives 5 minutes. */
const LINK_TICKET_TTL_SECONDS = 300;
/** The name identities go by among an account's sign-in methods. */
export const IDENTITIES_CREDENTIAL = 'identities';

export interface IdentityView {
  id: string;
  provider: string;
  email: string | null;
  linkedAt: string;
  lastUsedAt: string | null;
}

const notFound = () => new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'not found');

/**
 * A user's linked identities: listing, unlinking (never the last way to sign in) and the
 * one-time URL that starts a linking flow. Identities are one of the account's sign-in
 * methods for UserCredentials: counted before anything is removed, and removed with the rest
 * by the reset of a never-verified address.
 */
@Injectable()
export class IdentitiesService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identities: IdentitiesRepository,
    private readonly flows: OidcFlowsRepository,
    private readonly providers: IdentityProviders,
    private readonly credentials: UserCredentials,
    private readonly events: AuthEventBus,
    @Inject(FEDERATION_SETTINGS) private readonly federation: FederationSettings,
  ) {}

  onModuleInit(): void {
    this.credentials.register({
      name: IDENTITIES_CREDENTIAL,
      signsIn: true,
      count: (userId, manager) => this.identities.countOf(userId, manager),
      removeAll: (userId, manager) => this.identities.removeAllOf(userId, manager),
    });
  }

  async list(principal: Principal): Promise<IdentityView[]> {
    const rows = await this.identities.listOf(principal.userId);
    return rows.map((row) => ({
      id: row.id,
      provider: row.provider,
      email: row.email,
      linkedAt: row.linked_at.toISOString(),
      lastUsedAt: row.last_used_at?.toISOString() ?? null,
    }));
  }

  /** 404 when it is not the caller's; 409 last_sign_in_method when nothing else signs in. */
  async unlink(principal: Principal, id: string, context: ClientContext): Promise<void> {
    const provider = await this.dataSource.transaction(async (manager) => {
      // Locks the user's row: two unlinks (or an unlink and a passkey removal) queue here.
      const keeps = await this.credentials.keepsSignInMethodWithout(
        principal.userId,
        IDENTITIES_CREDENTIAL,
        manager,
      );
      if (!(await this.identities.belongsTo(id, principal.userId, manager))) throw notFound();
      if (!keeps) throw lastSignInMethod();
      const removed = await this.identities.remove(id, principal.userId, manager);
      if (!removed) throw notFound();
      return removed;
    });
    this.events.publish('identity_unlinked', {
      userId: principal.userId,
      sessionId: principal.sessionId,
      context,
      detail: { provider },
    });
  }

  /** `${PUBLIC_URL}/auth/oidc/<id>?link=<ticket>`: starts a flow that links to the caller. */
  async linkUrl(principal: Principal, providerId: string): Promise<string> {
    if (!this.providers.get(providerId)) throw notFound();
    const ticket = newSecret();
    await this.flows.createTicket(
      hashOfSecret(ticket)!,
      providerId,
      principal.userId,
      LINK_TICKET_TTL_SECONDS,
    );
    return `${this.federation.publicUrl}/auth/oidc/${providerId}?link=${ticket}`;
  }
}
