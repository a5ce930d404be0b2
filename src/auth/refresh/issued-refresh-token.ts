/** A refresh token handed to a client, with what the token response needs around it. */
export interface IssuedRefreshToken {
  token: string;
  sessionId: string;
  userId: string;
  roles: string[];
  expiresAt: Date;
}
