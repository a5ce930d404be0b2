/** Who is calling, as proven by a verified access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  /** When the access token expires (seconds since the epoch). */
  expiresAt: number;
}
