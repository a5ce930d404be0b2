/** A refresh token handed to a client, with what the token response needs around it. */
export interface IssuedRefreshToken {
  token: string;
  sessionId: string;
  userId: string;
  roles: string[];
  /** The session's authentication methods, copied into every access token it gets. */
  amr: string[];
  expiresAt: Date;
}
