import type { RevokedEntry } from '../revoked-session-set';

/** One revoked session as the feed's events carry it (docs/api.md). */
export interface FeedSession {
  sid: string;
  /** ISO time after which none of the session's access tokens is valid. */
  until: string;
}

const asFeedSession = ({ sid, until }: RevokedEntry): FeedSession => ({
  sid,
  until: new Date(until).toISOString(),
});

/**
 * A Server-Sent Event. The data is JSON of uuids and ISO times, so it never holds a line
 * break, and one `data:` line is the whole of it.
 */
const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** The first event of every stream: every session revoked while its access tokens may live. */
export const snapshotEvent = (entries: RevokedEntry[]) =>
  event('snapshot', { sessions: entries.map(asFeedSession) });

/** One `revoked` event per session, in one chunk. */
export const revokedEvents = (entries: RevokedEntry[]) =>
  entries.map((entry) => event('revoked', asFeedSession(entry))).join('');

/** A comment line: proves the stream alive to the client and to every proxy on the way. */
export const HEARTBEAT = ': keep-alive\n\n';
