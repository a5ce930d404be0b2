import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RevocationHooks } from '../../auth/revocation/revocation-hooks';
import { AUTH_SETTINGS, AuthSettings } from '../../latch.settings';
import { PrunerRegistry } from '../../maintenance/pruner-registry';
import { MailOutboxRepository } from '../mail/mail-outbox.repository';
import { LinkTokensRepository } from './link-tokens.repository';

/**
 * The lifetime rules of mailed links that other folders' actions trigger. Whenever every
 * session of a user ends (a reset, a password change, logout-all, a removed role, disabling,
 * deletion, TOTP turned on), every link still pending for that user is spent: a recovery step
 * must leave nothing an intruder set up behind, least of all an e-mail change to their
 * address. And what the cleanup prunes after AUTH_RETENTION: links expired that long ago
 * (used or not), then sent and failed mails queued that long ago (both keep old recipients'
 * addresses; a pending mail stays until the sender is done with it).
 */
@Injectable()
export class PendingLinks implements OnModuleInit {
  constructor(
    private readonly links: LinkTokensRepository,
    private readonly revocation: RevocationHooks,
    private readonly outbox: MailOutboxRepository,
    private readonly pruners: PrunerRegistry,
    @Inject(AUTH_SETTINGS) private readonly auth: AuthSettings,
  ) {}

  onModuleInit(): void {
    this.revocation.onAllSessionsEnded((userId, manager) =>
      this.links.spendAllOfUser(manager, userId),
    );
    const keep = this.auth.retention;
    this.pruners.register(
      { name: 'linkTokens', prune: (n) => this.links.deleteExpiredBefore(keep, n) },
      { name: 'mailOutbox', prune: (n) => this.outbox.deleteDoneOlderThan(keep, n) },
    );
  }
}
