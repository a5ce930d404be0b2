/** The `#error=` codes of the callback (docs/api.md). */
export type FragmentError =
  | 'access_denied'
  | 'invalid_state'
  | 'provider_error'
  | 'account_exists'
  | 'account_disabled'
  | 'email_not_verified'
  | 'email_required'
  | 'identity_taken';

/** How a callback ends: a one-time code for the app, an identity linked, or why not. */
export type CallbackOutcome =
  | { kind: 'code'; code: string }
  | { kind: 'linked'; provider: string }
  | { kind: 'error'; error: FragmentError };

export const fragmentError = (error: FragmentError): CallbackOutcome => ({ kind: 'error', error });
