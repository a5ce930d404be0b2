import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from '../../users/user.entity';

/** An account at an identity provider (provider id + its `sub`), linked to one user. */
@Entity({ name: 'identities' })
@Unique('identities_provider_subject_key', ['provider', 'subject'])
export class Identity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') provider!: string;
  @Column('text') subject!: string;

  @Index('identities_user_id_idx')
  @ForeignKey(() => User, { name: 'identities_user_id_fkey', onDelete: 'CASCADE' })
  @Column('uuid', { name: 'user_id' })
  userId!: string;

  /** The address the provider gave when the identity was linked (null: none). */
  @Column('text', { nullable: true }) email!: string | null;
  @Column('timestamptz', { name: 'linked_at', default: () => 'now()' }) linkedAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
}
