import * as oidc from 'openid-client';
import { ProviderFailure } from './provider-client';

/**
 * Any error of a provider exchange as a ProviderFailure: the provider's `access_denied` as
 * such, everything else as provider_error. The message keeps the library's code and text,
 * with the client secret cut out wherever it might appear.
 */
export function providerFailureOf(error: unknown, clientSecret: string): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    return new ProviderFailure(
      error.error === 'access_denied' ? 'access_denied' : 'provider_error',
      `the provider answered ${redact(error.error, clientSecret)}`,
    );
  }
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderFailure(
    'provider_error',
    redact(`${typeof code === 'string' ? `${code}: ` : ''}${message}`, clientSecret),
  );
}

const redact = (text: string, secret: string) =>
  secret ? text.split(secret).join('(value not shown)') : text;
