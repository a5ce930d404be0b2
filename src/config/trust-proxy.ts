import { isIP } from 'node:net';

/**
 * What TRUST_PROXY says (docs: API.md, configuration): `false` (trust no proxy, the client is
 * the socket address), a hop count, or a list of proxy addresses and CIDR ranges. `true`
 * (trust every hop) is accepted outside production only: with it the client is the leftmost
 * X-Forwarded-For entry, which the client writes itself.
 */
export type TrustProxy = boolean | number | string[];

/** How Fastify's `trustProxy` option takes it. */
export type FastifyTrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

export const TRUST_PROXY_MESSAGE =
  'must be false, a hop count, or a comma-separated list of addresses and CIDR ranges';

const HOPS = /^\d{1,3}$/;

/** An IPv4 or IPv6 address, optionally with a /prefix that fits it. */
function isAddressOrRange(entry: string): boolean {
  const slash = entry.indexOf('/');
  const version = isIP(slash < 0 ? entry : entry.slice(0, slash));
  if (version === 0) return false;
  if (slash < 0) return true;
  const bits = entry.slice(slash + 1);
  return HOPS.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

/** The setting, or undefined when the value is none of the accepted forms. */
function parse(value: string | undefined): TrustProxy | undefined {
  const text = (value ?? '').trim();
  if (text === '' || text.toLowerCase() === 'false') return false;
  if (text.toLowerCase() === 'true') return true;
  if (HOPS.test(text)) return Number(text) === 0 ? false : Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : undefined;
}

export function isTrustProxy(value: string): boolean {
  return parse(value) !== undefined;
}

/** Reads TRUST_PROXY; unset or empty is `false`. Throws on a value isTrustProxy refuses. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const setting = parse(value);
  if (setting === undefined) throw new Error(`TRUST_PROXY ${TRUST_PROXY_MESSAGE}`);
  return setting;
}

/**
 * The setting as Fastify's option. A hop count becomes a function trusting the socket peer
 * and the next hops up to that count (proxy-addr's meaning): Fastify 5 itself treats a
 * number as "trust nothing".
 */
export function fastifyTrustProxy(setting: TrustProxy): FastifyTrustProxy {
  if (typeof setting !== 'number') return setting;
  return (_address: string, hop: number) => hop < setting;
}
