import { Global, Module } from '@nestjs/common';
import { CleanupService } from './cleanup.service';
import { PrunerRegistry } from './pruner-registry';

/** Global so that every owner of a table can register its pruner. */
@Global()
@Module({ providers: [CleanupService, PrunerRegistry], exports: [CleanupService, PrunerRegistry] })
export class MaintenanceModule {}
