import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The id of a session whose user was deleted (the session row went with the user), kept
 * while its access tokens may still be unexpired so that a reloaded revoked-session set
 * still refuses them.
 */
@Entity({ name: 'deleted_sessions' })
export class DeletedSession {
  @PrimaryColumn('uuid') id!: string;

  @Index('deleted_sessions_deleted_at_idx')
  @Column('timestamptz', { name: 'deleted_at', default: () => 'now()' })
  deletedAt!: Date;
}
