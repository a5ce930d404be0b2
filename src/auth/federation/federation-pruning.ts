import { Injectable, OnModuleInit } from '@nestjs/common';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { RevocationHooks } from '../revocation/revocation-hooks';
import { OidcFlowsRepository } from './oidc-flows.repository';

/**
 * The flow tables are useless once expired, so the cleanup job deletes them; and a user whose
 * every session ended (password change, reset, sign out everywhere, disabled) keeps no
 * pending code or link URL.
 */
@Injectable()
export class FederationPruning implements OnModuleInit {
  constructor(
    private readonly flows: OidcFlowsRepository,
    private readonly pruners: PrunerRegistry,
    private readonly revocation: RevocationHooks,
  ) {}

  onModuleInit(): void {
    this.revocation.onAllSessionsEnded((userId, manager) =>
      this.flows.deleteAllOfUser(userId, manager),
    );
    this.pruners.register(
      { name: 'oidcFlows', prune: (n) => this.flows.deleteExpired('flows', n) },
      { name: 'oidcCodes', prune: (n) => this.flows.deleteExpired('codes', n) },
      { name: 'oidcLinkTickets', prune: (n) => this.flows.deleteExpired('tickets', n) },
    );
  }
}
