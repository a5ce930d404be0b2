import { CreateUsers1763770000000 } from '../../migrations/1763770000000-CreateUsers';
import { CreateSessions1763770000001 } from '../../migrations/1763770000001-CreateSessions';
import { CreateRefreshTokens1763770000002 } from '../../migrations/1763770000002-CreateRefreshTokens';
import { CreateServerSecrets1763770000004 } from '../../migrations/1763770000004-CreateServerSecrets';
import { CreateAuthEvents1763770000005 } from '../../migrations/1763770000005-CreateAuthEvents';
import { CreateLoginAttempts1763770000006 } from '../../migrations/1763770000006-CreateLoginAttempts';
import { CreateConstantTimeEqual1763770000007 } from '../../migrations/1763770000007-CreateConstantTimeEqual';
import { DropServerSecrets1796135434971 } from '../../migrations/1796135434971-DropServerSecrets';
import { AddUserVerifiedAndDisabled1796200000000 } from '../../migrations/1796200000000-AddUserVerifiedAndDisabled';
import { CreateMailOutbox1796200001000 } from '../../migrations/1796200001000-CreateMailOutbox';
import { CreateLinkTokens1796200002000 } from '../../migrations/1796200002000-CreateLinkTokens';
import { CreateDeletedSessions1796300000000 } from '../../migrations/1796300000000-CreateDeletedSessions';
import { AddSecondFactor1796400000000 } from '../../migrations/1796400000000-AddSecondFactor';
import { AddMailOutboxDoneIndex1796500000000 } from '../../migrations/1796500000000-AddMailOutboxDoneIndex';
import { BindMfaChallengesToPassword1796500001000 } from '../../migrations/1796500001000-BindMfaChallengesToPassword';
import { AllowUsersWithoutPassword1796600000000 } from '../../migrations/1796600000000-AllowUsersWithoutPassword';
import { CreatePasskeys1796700000000 } from '../../migrations/1796700000000-CreatePasskeys';
import { PasskeyChallenge } from '../auth/passkeys/passkey-challenge.entity';
import { Passkey } from '../auth/passkeys/passkey.entity';
import { PasskeyUserHandle } from '../auth/passkeys/passkey-user-handle.entity';
import { CreateIdentities1796800000000 } from '../../migrations/1796800000000-CreateIdentities';
import { CreateOidcFlows1796800001000 } from '../../migrations/1796800001000-CreateOidcFlows';
import { AddMfaChallengeFirstStep1796800002000 } from '../../migrations/1796800002000-AddMfaChallengeFirstStep';
import { Identity } from '../auth/federation/identity.entity';
import { OidcCode, OidcFlow, OidcLinkTicket } from '../auth/federation/oidc-flow.entities';
import { LinkToken } from '../accounts/links/link-token.entity';
import { MailOutboxEntry } from '../accounts/mail/mail-outbox.entity';
import { AuthEventRecord } from '../auth/events/auth-event.entity';
import { MfaChallenge } from '../auth/mfa/mfa-challenge.entity';
import { RecoveryCode } from '../auth/mfa/recovery-code.entity';
import { TotpFactor } from '../auth/mfa/totp-factor.entity';
import { LoginAttemptRecord } from '../auth/passwords/login-attempt.entity';
import { DeletedSession } from '../auth/revocation/deleted-session.entity';
import { RefreshToken } from '../auth/sessions/refresh-token.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from '../users/user.entity';

/**
 * Every table of Latch, as entities and as the migrations that make them, listed rather than
 * found by a glob: a host app that installs Latch from npm adds these arrays to its own
 * DataSource (or lets LatchModule open one), wherever its dist/ happens to be.
 */
export const latchEntities = [
  User,
  Session,
  RefreshToken,
  DeletedSession,
  AuthEventRecord,
  LoginAttemptRecord,
  MailOutboxEntry,
  LinkToken,
  TotpFactor,
  RecoveryCode,
  MfaChallenge,
  PasskeyUserHandle,
  Passkey,
  PasskeyChallenge,
  Identity,
  OidcFlow,
  OidcCode,
  OidcLinkTicket,
];

export const latchMigrations = [
  CreateUsers1763770000000,
  CreateSessions1763770000001,
  CreateRefreshTokens1763770000002,
  CreateServerSecrets1763770000004,
  CreateAuthEvents1763770000005,
  CreateLoginAttempts1763770000006,
  CreateConstantTimeEqual1763770000007,
  DropServerSecrets1796135434971,
  AddUserVerifiedAndDisabled1796200000000,
  CreateMailOutbox1796200001000,
  CreateLinkTokens1796200002000,
  CreateDeletedSessions1796300000000,
  AddSecondFactor1796400000000,
  AddMailOutboxDoneIndex1796500000000,
  BindMfaChallengesToPassword1796500001000,
  AllowUsersWithoutPassword1796600000000,
  CreatePasskeys1796700000000,
  CreateIdentities1796800000000,
  CreateOidcFlows1796800001000,
  AddMfaChallengeFirstStep1796800002000,
];
