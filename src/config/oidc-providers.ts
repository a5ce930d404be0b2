import type {
  FederationOptions,
  IdentityProviderOptions,
} from '../auth/federation/federation-settings';
import { isAllowedProviderUrl, PROVIDER_ID } from '../auth/federation/federation-settings';
import { ConfigurationError } from './configuration-error';

/** `AUTH_OIDC_<ID>_<NAME>`: the id upper-cased, `-` as `_`. */
export const providerVariable = (id: string, name: string) =>
  `AUTH_OIDC_${id.toUpperCase().replace(/-/g, '_')}_${name}`;

const refuse = (message: string): never => {
  throw new ConfigurationError(`Invalid configuration: ${message}`);
};

const present = (env: NodeJS.ProcessEnv, name: string) => {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
};

/**
 * The identity providers of AUTH_OIDC_PROVIDERS and their AUTH_OIDC_<ID>_* variables, checked
 * here because their names depend on the list; each message names the variable, and the
 * client secret is never shown.
 */
export function oidcProvidersFromEnv(
  env: NodeJS.ProcessEnv,
  production: boolean,
): IdentityProviderOptions[] {
  const ids = (present(env, 'AUTH_OIDC_PROVIDERS') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  return ids.map((id) => {
    if (!PROVIDER_ID.test(id)) {
      refuse(
        `AUTH_OIDC_PROVIDERS must list ids of [a-z0-9-]{1,32}, comma-separated (got ${JSON.stringify(id)})`,
      );
    }
    if (seen.has(id)) refuse(`AUTH_OIDC_PROVIDERS lists ${id} twice`);
    seen.add(id);
    const read = (name: string) => present(env, providerVariable(id, name));
    const issuer = read('ISSUER');
    if (!issuer && id !== 'github') refuse(`${providerVariable(id, 'ISSUER')} must be set`);
    if (issuer && !isAllowedProviderUrl(issuer, production)) {
      refuse(
        `${providerVariable(id, 'ISSUER')} must be an https:// URL (http:// only on a loopback address outside production) (got ${JSON.stringify(issuer)})`,
      );
    }
    const clientId = read('CLIENT_ID');
    if (!clientId) refuse(`${providerVariable(id, 'CLIENT_ID')} must be set`);
    const clientSecret = read('CLIENT_SECRET');
    if (!clientSecret)
      refuse(`${providerVariable(id, 'CLIENT_SECRET')} must be set (value not shown)`);
    const linkByEmail = read('LINK_BY_EMAIL');
    if (linkByEmail !== undefined && !['true', 'false', '1', '0'].includes(linkByEmail)) {
      refuse(
        `${providerVariable(id, 'LINK_BY_EMAIL')} must be true, false, 1 or 0 (got ${JSON.stringify(linkByEmail)})`,
      );
    }
    const scopes = read('SCOPES')
      ?.split(/[\s,]+/)
      .filter(Boolean);
    const name = read('NAME');
    if (name !== undefined && !/^[^\r\n]{1,64}$/.test(name)) {
      refuse(`${providerVariable(id, 'NAME')} must be one line of at most 64 characters`);
    }
    return {
      id,
      issuer,
      clientId: clientId!,
      clientSecret: clientSecret!,
      scopes: scopes?.length ? scopes : undefined,
      name,
      linkByEmail:
        linkByEmail === undefined ? undefined : linkByEmail === 'true' || linkByEmail === '1',
    };
  });
}

/** PUBLIC_URL, else `http://<HOST>:<PORT>` when either is set; unset: the module's default. */
export function federationFromEnv(env: NodeJS.ProcessEnv, production: boolean): FederationOptions {
  const host = present(env, 'HOST');
  const port = present(env, 'PORT');
  const fallback = host || port ? `http://${host ?? '127.0.0.1'}:${port ?? '3000'}` : undefined;
  const providers = oidcProvidersFromEnv(env, production);
  return {
    publicUrl: present(env, 'PUBLIC_URL') ?? fallback,
    ...(providers.length > 0 && { providers }),
  };
}
