import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging.module';
import { allConfigs } from './config/namespaces';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { NotesModule } from './notes/notes.module';
import { AccountsModule } from './accounts/accounts.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
    ScheduleModule.forRoot(),
    LoggingModule,
    DatabaseModule,
    HealthModule,
    AuthModule,
    AccountsModule,
    NotesModule,
    MaintenanceModule,
  ],
})
export class AppModule {}
