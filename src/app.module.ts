import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggingModule } from './common/logging.module';
import { appConfig, latchOptionsFromEnv } from './config/namespaces';
import { HealthModule } from './health/health.module';
import { LatchModule } from './latch.module';
import { Note } from './notes/note.entity';
import { NotesModule } from './notes/notes.module';
import { notesMigrations } from './notes/notes.schema';

/**
 * The standalone service: one consumer of LatchModule, its options read from the environment
 * once, here, plus its own HTTP settings, logging, health check and the notes example.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }),
    LoggingModule,
    HealthModule, // first, so the OpenAPI document lists its routes where it always did
    LatchModule.forRootAsync({
      useFactory: () => ({ ...latchOptionsFromEnv(process.env), requireGuards: 'all' }),
      connection: { entities: [Note], migrations: notesMigrations },
    }),
    NotesModule,
  ],
})
export class AppModule {}
