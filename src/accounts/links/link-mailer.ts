import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProblemException } from '../../common/problem';

import { MailOutboxRepository } from '../mail/mail-outbox.repository';
import type { MailKind } from '../mail/templates';
import { LinkKind, newLinkToken } from './link-token';
import { LinkTokensRepository } from './link-tokens.repository';
import { MAIL_SETTINGS, MailSettings } from '../../latch.settings';

/** The page of the client app each kind of link opens; the token goes in the fragment. */
const LINK_PATHS: Record<LinkKind, string> = {
  verify_email: '/verify-email',
  reset_password: '/reset-password',
  change_email: '/confirm-email',
};

/**
 * Issues mailed links: a new token (earlier unused links of that kind stop working, but for
 * reset links) and its
 * mail, written in the caller's transaction, so that the token exists exactly when its mail
 * will be sent. Also says how long until the next mail of a kind may go to an account.
 */
@Injectable()
export class LinkMailer {
  constructor(
    private readonly links: LinkTokensRepository,
    private readonly outbox: MailOutboxRepository,
    @Inject(MAIL_SETTINGS) private readonly config: MailSettings,
  ) {}

  async issue(
    manager: EntityManager,
    link: { userId: string; kind: LinkKind; recipient: string; newEmail?: string },
  ): Promise<void> {
    const { token, hash } = newLinkToken();
    const ttlSeconds =
      link.kind === 'reset_password' ? this.config.resetTtl : this.config.verifyTtl;
    // A new reset link leaves the earlier ones valid until used or expired (a reset spends
    // them all): anyone who knows the address may ask for one, and must not void the owner's.
    if (link.kind !== 'reset_password') {
      await this.links.spendAllOfUser(manager, link.userId, [link.kind]);
    }
    await this.links.insert(manager, { ...link, hash, ttlSeconds });
    await this.outbox.enqueue(manager, {
      userId: link.userId,
      kind: link.kind,
      recipient: link.recipient,
      params: {
        link: `${this.config.appUrl}${LINK_PATHS[link.kind]}#token=${token}`,
        ...(link.newEmail ? { newEmail: link.newEmail } : {}),
      },
    });
  }

  /** Seconds before another mail of this kind may go to the user; call with the user locked. */
  secondsUntilNext(manager: EntityManager, userId: string, kind: MailKind): Promise<number> {
    return this.outbox.secondsUntilNext(manager, userId, kind, this.config.interval);
  }

  /** 429 with Retry-After while the last mail of this kind is younger than AUTH_MAIL_INTERVAL. */
  async refuseInsideInterval(
    manager: EntityManager,
    userId: string,
    kind: MailKind,
  ): Promise<void> {
    const wait = await this.secondsUntilNext(manager, userId, kind);
    if (wait > 0) {
      throw new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'too_many_requests',
        'a mail of this kind was sent a moment ago; try again later',
        { 'retry-after': String(Math.max(1, Math.ceil(wait))) },
      );
    }
  }
}

/** 400 invalid_link: the one answer for a link token that is malformed, unknown, used or expired. */
export const invalidLink = () =>
  new ProblemException(
    HttpStatus.BAD_REQUEST,
    'invalid_link',
    'this link is invalid, was already used or has expired',
  );
