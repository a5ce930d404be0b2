import { HttpStatus, Injectable } from '@nestjs/common';
import { ProblemException } from '../common/problem';
import { canonicalUuid } from '../common/uuid';
import { CreateNoteDto, NoteView } from './dto/note.dto';
import { Note } from './note.entity';
import { NotesRepository } from './notes.repository';

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
  constructor(private readonly notes: NotesRepository) {}

  async create(userId: string, dto: CreateNoteDto): Promise<NoteView> {
    return toView(await this.notes.create(userId, dto));
  }

  async list(userId: string): Promise<NoteView[]> {
    return (await this.notes.listFor(userId)).map(toView);
  }

  async get(userId: string, id: string): Promise<NoteView> {
    const noteId = canonicalUuid(id);
    const note = noteId ? await this.notes.findFor(userId, noteId) : null;
    if (!note) throw notFound();
    return toView(note);
  }

  async remove(userId: string, id: string): Promise<void> {
    const noteId = canonicalUuid(id);
    if (!noteId || !(await this.notes.deleteFor(userId, noteId))) throw notFound();
  }
}
