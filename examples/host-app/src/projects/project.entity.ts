import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The host's own table, in the host's own schema (`public`), on Latch's connection. Latch's
 * tables live in `latch`; `ownerId` is a user's id from the access token, not a foreign key,
 * so Latch can delete a user without knowing this table.
 */
@Entity({ schema: 'public', name: 'projects' })
@Index('projects_owner_id_idx', ['ownerId'])
export class Project {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'owner_id' }) ownerId!: string;
  @Column('text') name!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
