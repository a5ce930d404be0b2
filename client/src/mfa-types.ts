// Hand-written bodies of the second-factor routes (issue 13, /work/mfa-design.md) until the
// service that serves them lands and `npm run client:types` can generate them into openapi.ts.

/** `GET /auth/mfa` */
export interface MfaStatus {
  totpEnabled: boolean;
  recoveryCodesRemaining: number;
}

/** `POST /auth/mfa/totp`: the secret (base32) and the otpauth:// URL for a QR code. */
export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
}

/** `POST /auth/mfa/totp/confirm` and `POST /auth/mfa/recovery-codes`: shown once. */
export interface RecoveryCodes {
  recoveryCodes: string[];
}

/** A second factor: a 6-digit TOTP code, or one of the recovery codes. */
export type MfaProof = { code: string } | { recoveryCode: string };
