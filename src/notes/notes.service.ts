import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ProblemException } from '../common/problem';
import { canonicalUuid } from '../common/uuid';
import { CreateNoteDto, NoteView } from './dto/note.dto';
import { Note } from './note.entity';

const notFound = () => new ProblemException(HttpStatus.NOT_FOUND, 'not_found', 'no such note');

const toView = (note: Note): NoteView => ({
  id: note.id,
  title: note.title,
  body: note.body,
  createdAt: note.createdAt.toISOString(),
});

/** A user's own notes; another user's note does not exist as far as the caller can tell. */
@Injectable()
export class NotesService {
  constructor(@InjectRepository(Note) private readonly notes: Repository<Note>) {}

  async create(userId: string, dto: CreateNoteDto): Promise<NoteView> {
    return toView(await this.notes.save(this.notes.create({ userId, ...dto })));
  }

  async list(userId: string): Promise<NoteView[]> {
    const notes = await this.notes.find({
      where: { userId },
      order: { createdAt: 'DESC' },
      take: 500,
    });
    return notes.map(toView);
  }

  async get(userId: string, id: string): Promise<NoteView> {
    const noteId = canonicalUuid(id);
    const note = noteId ? await this.notes.findOneBy({ id: noteId, userId }) : null;
    if (!note) throw notFound();
    return toView(note);
  }

  async remove(userId: string, id: string): Promise<void> {
    const noteId = canonicalUuid(id);
    const result = noteId ? await this.notes.delete({ id: noteId, userId }) : { affected: 0 };
    if (!result.affected) throw notFound();
  }
}
