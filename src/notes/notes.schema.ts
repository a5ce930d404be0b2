import { CreateNotes1763770000003 } from '../../migrations/1763770000003-CreateNotes';

/** The notes example's own table, applied beside Latch's by the standalone service. */
export const notesMigrations = [CreateNotes1763770000003];
