import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Note } from './note.entity';

const MAX_LISTED = 500;

/** Every statement on `notes`; each one is scoped to the owning user. */
@Injectable()
export class NotesRepository {
  constructor(@InjectRepository(Note) private readonly notes: Repository<Note>) {}

  create(userId: string, note: { title: string; body: string }): Promise<Note> {
    return this.notes.save(this.notes.create({ userId, ...note }));
  }

  /** The user's newest notes first. */
  listFor(userId: string): Promise<Note[]> {
    return this.notes.find({ where: { userId }, order: { createdAt: 'DESC' }, take: MAX_LISTED });
  }

  findFor(userId: string, id: string): Promise<Note | null> {
    return this.notes.findOneBy({ id, userId });
  }

  /** Whether a note of this user was deleted. */
  async deleteFor(userId: string, id: string): Promise<boolean> {
    const result = await this.notes.delete({ id, userId });
    return (result.affected ?? 0) > 0;
  }
}
