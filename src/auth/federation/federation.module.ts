import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { FederatedLinking } from './federated-linking';
import { FederatedSignIn } from './federated-sign-in';
import { FederationController } from './federation.controller';
import { FederationPruning } from './federation-pruning';
import { IdentitiesRepository } from './identities.repository';
import { IdentitiesService } from './identities.service';
import { IdentityProviders } from './identity-providers';
import { OidcExchange } from './oidc-exchange';
import { OidcFlows } from './oidc-flows';
import { OidcFlowsRepository } from './oidc-flows.repository';

/**
 * Sign in with identity providers: OpenID Connect providers and the GitHub preset, the
 * identities linked to accounts and the short-lived flow state, in tables of its own. What it
 * needs of the rest of auth/ (sessions, the token response, the second factor, opening
 * accounts, the sign-in methods, the revocation hooks, the event bus) comes from the global
 * AuthModule; nothing imports it but LatchModule.
 */
@Module({
  imports: [UsersModule],
  controllers: [FederationController],
  providers: [
    IdentityProviders,
    OidcFlows,
    OidcExchange,
    FederatedSignIn,
    FederatedLinking,
    IdentitiesService,
    FederationPruning,
    IdentitiesRepository,
    OidcFlowsRepository,
  ],
})
export class FederationModule {}
