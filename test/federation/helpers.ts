import { freePort } from '../support/latch-process';
import { startApp, type TestApp } from '../support/test-app';
import { FlowBrowser, throughProvider, type ProviderUser } from './browser';
import { startOidcTestProvider, type OidcTestProvider } from './oidc-test-provider';

export const APP_URL = 'http://localhost:5173';
export const PROVIDER_ID = 'test-op';

export interface FederationWorld {
  op: OidcTestProvider;
  app: TestApp;
  /** `${PUBLIC_URL}/auth/oidc/test-op/callback` */
  callbackUrl: string;
  callbackOf(id: string): string;
  close(): Promise<void>;
}

/** The service with one OpenID provider (`test-op`) of the test's own, both on 127.0.0.1. */
export async function startFederationWorld(
  env: Record<string, string> = {},
  /** More provider ids for the same provider (each its own settings, e.g. LINK_BY_EMAIL). */
  others: string[] = [],
): Promise<FederationWorld> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const ids = [PROVIDER_ID, ...others];
  const callbackOf = (id: string) => `${publicUrl}/auth/oidc/${id}/callback`;
  const op = await startOidcTestProvider({ redirectUris: ids.map(callbackOf) });
  const perProvider = Object.fromEntries(
    ids.flatMap((id) => {
      const prefix = `AUTH_OIDC_${id.toUpperCase().replace(/-/g, '_')}_`;
      return [
        [`${prefix}ISSUER`, op.issuer],
        [`${prefix}CLIENT_ID`, op.clientId],
        [`${prefix}CLIENT_SECRET`, op.clientSecret],
      ];
    }),
  );
  const app = await startApp({
    port,
    env: {
      PUBLIC_URL: publicUrl,
      APP_URL,
      AUTH_OIDC_PROVIDERS: ids.join(','),
      AUTH_OIDC_TEST_OP_NAME: 'Test OP',
      ...perProvider,
      ...env,
    },
  });
  return {
    op,
    app,
    callbackUrl: callbackOf(PROVIDER_ID),
    callbackOf,
    close: async () => {
      await app.close();
      await op.close();
    },
  };
}

export interface CallbackResult {
  /** The 303's Location: the app, with its fragment. */
  location: string;
  fragment: URLSearchParams;
  status: number;
}

/** The app's start route: the redirect to the provider, with the flow cookie kept. */
export async function startFlow(
  world: FederationWorld,
  browser: FlowBrowser,
  query = '',
  provider = PROVIDER_ID,
): Promise<string> {
  const started = await browser.request(`${world.app.url}/auth/oidc/${provider}${query}`);
  if (started.status !== 302 || !started.location) {
    throw new Error(`start answered ${started.status}: ${started.text}`);
  }
  return started.location;
}

/** The browser arriving at the app's callback URL. */
export async function arrive(
  world: FederationWorld,
  browser: FlowBrowser,
  callback: string,
): Promise<CallbackResult> {
  // The provider redirects to PUBLIC_URL, which is the app's own address here.
  const answer = await browser.request(callback);
  const location = answer.location ?? '';
  return {
    status: answer.status,
    location,
    fragment: new URLSearchParams(new URL(location || 'http://x/').hash.slice(1)),
  };
}

/** Start → provider (login, consent) → callback: the fragment the app receives. */
export async function signInAtProvider(
  world: FederationWorld,
  user: ProviderUser,
  options: { browser?: FlowBrowser; query?: string; provider?: string } = {},
): Promise<CallbackResult> {
  const browser = options.browser ?? new FlowBrowser();
  const provider = options.provider ?? PROVIDER_ID;
  const authorization = await startFlow(world, browser, options.query, provider);
  const callback = await throughProvider(browser, authorization, user, world.callbackOf(provider));
  return arrive(world, browser, callback);
}

/** The one-time code for a session (200 asserted by the caller). */
export const exchange = (world: FederationWorld, code: string | null) =>
  world.app.http.post('/auth/oidc/exchange', { code });

let counter = 0;
/** A new account at the provider. */
export function providerAccount(
  world: FederationWorld,
  claims: { email?: string; email_verified?: boolean; name?: string } = {},
): string {
  const sub = `sub-${Date.now()}-${counter++}`;
  world.op.accounts.set(sub, { sub, name: 'Ada Lovelace', ...claims });
  return sub;
}

export const decodeJwtPayload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
