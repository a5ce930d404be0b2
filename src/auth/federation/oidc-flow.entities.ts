import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { User } from '../../users/user.entity';

/** A sign-in between its start and its callback, named by the SHA-256 of its `state`. */
@Entity({ name: 'oidc_flows' })
export class OidcFlow {
  @PrimaryColumn('bytea', { name: 'state_hash' }) stateHash!: Buffer;
  @Column('text') provider!: string;
  /** SHA-256 of the `oidc_flow` cookie that started it: the flow belongs to that browser. */
  @Column('bytea', { name: 'browser_hash' }) browserHash!: Buffer;
  @Column('text', { name: 'return_to' }) returnTo!: string;

  /** Set when the flow links an identity to this signed-in user instead of signing in. */
  @Index('oidc_flows_link_user_id_idx')
  @ForeignKey(() => User, { name: 'oidc_flows_link_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'link_user_id', nullable: true })
  linkUserId!: string | null;

  @Index('oidc_flows_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}

/** The one-time code a callback hands the app, named by its SHA-256. */
@Entity({ name: 'oidc_codes' })
export class OidcCode {
  @PrimaryColumn('bytea', { name: 'code_hash' }) codeHash!: Buffer;
  @Column('text') provider!: string;
  @Column('text') subject!: string;

  /** Null: a new account, opened by the exchange from the claims below. */
  @Index('oidc_codes_user_id_idx')
  @ForeignKey(() => User, { name: 'oidc_codes_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { nullable: true }) email!: string | null;
  @Column('boolean', { name: 'email_verified', default: false }) emailVerified!: boolean;
  @Column('text', { default: '' }) name!: string;

  @Index('oidc_codes_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}

/** A one-time URL that starts a flow linking an identity to its user, named by its SHA-256. */
@Entity({ name: 'oidc_link_tickets' })
export class OidcLinkTicket {
  @PrimaryColumn('bytea', { name: 'ticket_hash' }) ticketHash!: Buffer;
  @Column('text') provider!: string;

  @Index('oidc_link_tickets_user_id_idx')
  @ForeignKey(() => User, { name: 'oidc_link_tickets_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  @Index('oidc_link_tickets_expires_at_idx')
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
