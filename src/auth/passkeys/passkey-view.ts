import type { PasskeyResponse } from './passkeys.dto';
import type { PasskeyRow } from './passkeys.repository';
import type { CredentialDescriptor } from './webauthn-ceremonies';

/** A passkey as the API shows it: never its credential id or public key. */
export const toPasskeyView = (row: PasskeyRow): PasskeyResponse => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
  backedUp: row.backed_up,
  deviceType: row.device_type,
  transports: row.transports,
});

export const descriptorOf = (row: PasskeyRow): CredentialDescriptor => ({
  id: row.credential_id,
  transports: row.transports,
});
