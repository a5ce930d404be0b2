/** Refresh-token helpers shared by the e2e specs: its row id, and the cookie that carries it. */
import type { HttpResponse } from './http';

/** The id half of a refresh token (the primary key of its refresh_tokens row). */
export const tokenId = (refreshToken: string) => refreshToken.split('.')[0];

export interface RefreshCookie {
  /** The cookie's value, percent-decoded. */
  value: string;
  /** Attributes by lower-cased name; a flag (HttpOnly, Secure) is `true`. */
  attributes: Record<string, string | true>;
  /** The whole Set-Cookie line. */
  raw: string;
}

/** The refresh_token Set-Cookie of a response, parsed; undefined when there is none. */
export function refreshCookie(response: HttpResponse): RefreshCookie | undefined {
  const raw = response.headers.getSetCookie().find((c) => c.startsWith('refresh_token='));
  if (!raw) return undefined;
  const [pair, ...attrs] = raw.split(';').map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const eq = attr.indexOf('=');
    if (eq < 0) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, eq).toLowerCase()] = attr.slice(eq + 1);
  }
  return { value: decodeURIComponent(pair.slice('refresh_token='.length)), attributes, raw };
}
