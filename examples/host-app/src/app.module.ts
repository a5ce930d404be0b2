import { DynamicModule, Module } from '@nestjs/common';
import { LatchModule } from 'latch';
import { CreateProjects1800000000000 } from './projects/create-projects.migration';
import { Project } from './projects/project.entity';
import { ProjectsModule } from './projects/projects.module';

/** What this app is told by whoever starts it (main.ts reads the environment, once). */
export interface HostConfig {
  /** A postgres:// URL; unset: Latch's embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
}

@Module({})
export class AppModule {
  static forRoot(config: HostConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LatchModule.forRootAsync({
          // Values, not the environment: a ConfigService or a secrets client would go here.
          useFactory: () => ({
            dataDir: config.dataDir,
            // Latch's tables in a schema of their own, beside the host's in `public`.
            database: { url: config.databaseUrl, schema: 'latch' },
            jwt: { issuer: 'host-app', audience: 'host-app-api' },
            auth: { accessTtl: 600 },
            mail: { appUrl: 'http://localhost:3001' },
          }),
          // The host's own table shares Latch's connection and is migrated with it.
          connection: { entities: [Project], migrations: [CreateProjects1800000000000] },
        }),
        ProjectsModule,
      ],
    };
  }
}
