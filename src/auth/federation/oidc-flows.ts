import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { ProblemException } from '../../common/problem';
import { MAIL_SETTINGS, type MailSettings } from '../../latch.settings';
import type { ClientContext } from '../client-context';
import { FederatedLinking } from './federated-linking';
import { FederatedSignIn } from './federated-sign-in';
import { type CallbackOutcome, fragmentError } from './federation-outcomes';
import { codeChallengeOf, flowSecretsOf, hashOfSecret, newSecret } from './flow-secrets';
import { IdentityProviders } from './identity-providers';
import { OidcFlowsRepository } from './oidc-flows.repository';
import { ProviderFailure } from './provider-client';

/** docs/api.md: the `oidc_flow` cookie, and so the flow, lives 10 minutes. */
export const FLOW_TTL_SECONDS = 600;

export interface StartedFlow {
  /** Where the browser goes: the provider's authorization endpoint. */
  location: string;
  /** The `oidc_flow` cookie's value: the flow belongs to the browser that holds it. */
  browserSecret: string;
}

/**
 * The browser's round trip through a provider: start (a state bound to a cookie of this
 * browser, PKCE and nonce derived from that cookie) and callback (the state taken once and
 * checked against the cookie, the code exchanged, then who signs in or what is linked). Every
 * callback ends as a redirect to the app with a fragment, never as an error page.
 */
@Injectable()
export class OidcFlows {
  private readonly logger = new Logger('OidcFlows');

  constructor(
    private readonly providers: IdentityProviders,
    private readonly flows: OidcFlowsRepository,
    private readonly signIn: FederatedSignIn,
    private readonly linking: FederatedLinking,
    @Inject(MAIL_SETTINGS) private readonly mail: MailSettings,
  ) {}

  /**
   * The redirect to the provider; with `linkTicket`, a flow that links to the ticket's user.
   * 404 for an unknown provider, 400 invalid_link for an unknown, used or expired ticket.
   */
  async start(providerId: string, returnTo: string, linkTicket?: string): Promise<StartedFlow> {
    const provider = this.providers.get(providerId);
    if (!provider) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'not found');
    let linkUserId: string | null = null;
    if (linkTicket !== undefined) {
      const hash = hashOfSecret(linkTicket);
      linkUserId = (hash && (await this.flows.takeTicket(hash, providerId))) ?? null;
      if (!linkUserId) {
        throw new ProblemException(
          HttpStatus.BAD_REQUEST,
          'invalid_link',
          'the link is unknown, used or expired',
        );
      }
    }
    const state = newSecret();
    const browserSecret = newSecret();
    const { codeVerifier, nonce } = flowSecretsOf(browserSecret);
    let location: URL;
    try {
      location = await provider.client.authorizationUrl({
        redirectUri: provider.redirectUri,
        state,
        nonce,
        codeChallenge: codeChallengeOf(codeVerifier),
      });
    } catch (error) {
      // Discovery failed: back to the app, as a failed callback would be.
      this.logFailure(providerId, error);
      return { location: this.appUrl(returnTo, fragmentError('provider_error')), browserSecret };
    }
    await this.flows.createFlow(
      hashOfSecret(state)!,
      {
        provider: providerId,
        browser_hash: hashOfSecret(browserSecret)!,
        return_to: returnTo,
        link_user_id: linkUserId,
      },
      FLOW_TTL_SECONDS,
    );
    return { location: location.href, browserSecret };
  }

  /** Where the callback sends the browser: the app, with `#code`, `#linked` or `#error`. */
  async callback(
    providerId: string,
    query: URLSearchParams,
    browserSecret: string | undefined,
    context: ClientContext,
  ): Promise<string> {
    const provider = this.providers.get(providerId);
    if (!provider) throw new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'not found');
    const states = query.getAll('state');
    const stateHash = states.length === 1 ? hashOfSecret(states[0]) : undefined;
    const browserHash = hashOfSecret(browserSecret);
    // The state is spent by any use, even one that fails below: it is single use.
    const flow = stateHash && browserHash ? await this.flows.takeFlow(stateHash) : undefined;
    if (
      !flow ||
      !browserHash ||
      flow.provider !== providerId ||
      !timingSafeEqual(flow.browser_hash, browserHash)
    ) {
      return this.appUrl('/', fragmentError('invalid_state'));
    }
    const { codeVerifier, nonce } = flowSecretsOf(browserSecret!);
    let outcome: CallbackOutcome;
    try {
      const account = await provider.client.complete({
        redirectUri: provider.redirectUri,
        query,
        state: states[0],
        nonce,
        codeVerifier,
      });
      outcome = flow.link_user_id
        ? await this.linking.link(provider.settings, account, flow.link_user_id, context)
        : await this.signIn.signIn(provider.settings, account, context);
    } catch (error) {
      if (!(error instanceof ProviderFailure)) throw error;
      this.logFailure(providerId, error);
      outcome = fragmentError(error.reason);
    }
    return this.appUrl(flow.return_to, outcome);
  }

  private appUrl(returnTo: string, outcome: CallbackOutcome): string {
    const fragment =
      outcome.kind === 'code'
        ? `code=${outcome.code}`
        : outcome.kind === 'linked'
          ? `linked=${encodeURIComponent(outcome.provider)}`
          : `error=${outcome.error}`;
    return `${this.mail.appUrl}${returnTo}#${fragment}`;
  }

  /** The library's reason, for operators; ProviderFailure's message never holds the secret. */
  private logFailure(providerId: string, error: unknown): void {
    const message =
      error instanceof ProviderFailure ? error.message : 'the provider could not be reached';
    this.logger.warn(`sign-in with ${providerId} failed: ${message}`);
  }
}
