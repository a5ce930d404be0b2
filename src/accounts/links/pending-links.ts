import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RevocationHooks } from '../../auth/revocation/revocation-hooks';
import { LinkTokensRepository } from './link-tokens.repository';

/**
 * The lifetime rules of mailed links that other folders' actions trigger. Whenever every
 * session of a user ends (a reset, a password change, logout-all, a removed role, disabling,
 * deletion, TOTP turned on), every link still pending for that user is spent: a recovery step
 * must leave nothing an intruder set up behind, least of all an e-mail change to their
 * address.
 */
@Injectable()
export class PendingLinks implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: LinkTokensRepository,
    private readonly revocation: RevocationHooks,
  ) {}

  onModuleInit(): void {
    this.revocation.onAllSessionsEnded((userId) =>
      this.links.spendAllOfUser(this.dataSource.manager, userId),
    );
  }
}
