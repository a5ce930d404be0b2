import { Inject, Injectable } from '@nestjs/common';
import { FEDERATION_SETTINGS, LATCH_SETTINGS, type LatchSettings } from '../../latch.settings';
import type { FederationSettings, IdentityProviderSettings } from './federation-settings';
import { GithubProviderClient } from './github-provider-client';
import { OidcProviderClient } from './oidc-provider-client';
import type { ProviderClient } from './provider-client';

export interface ConfiguredProvider {
  settings: IdentityProviderSettings;
  client: ProviderClient;
  /** `${publicUrl}/auth/oidc/<id>/callback`, as registered at the provider. */
  redirectUri: string;
}

/** The configured identity providers, each with its client (discovery is kept per provider). */
@Injectable()
export class IdentityProviders {
  private readonly providers = new Map<string, ConfiguredProvider>();

  constructor(
    @Inject(FEDERATION_SETTINGS) federation: FederationSettings,
    @Inject(LATCH_SETTINGS) latch: LatchSettings,
  ) {
    for (const settings of federation.providers) {
      this.providers.set(settings.id, {
        settings,
        client:
          settings.kind === 'github'
            ? new GithubProviderClient(settings, latch.production)
            : new OidcProviderClient(settings, latch.production),
        redirectUri: `${federation.publicUrl}/auth/oidc/${settings.id}/callback`,
      });
    }
  }

  get(id: string): ConfiguredProvider | undefined {
    return this.providers.get(id);
  }

  list(): { id: string; name: string }[] {
    return [...this.providers.values()].map(({ settings }) => ({
      id: settings.id,
      name: settings.name,
    }));
  }
}
