import { Injectable } from '@nestjs/common';

/**
 * Deletes at most `batchSize` rows its owner no longer needs, found through an index, and
 * says how many it deleted. The owner decides what is old enough.
 */
export interface Pruner {
  /** The key of its count in CleanupService.runOnce()'s result. */
  name: string;
  prune(batchSize: number): Promise<number>;
}

/**
 * The pruners the cleanup job runs: each folder that owns a table registers its own when its
 * module starts, so maintenance/ knows no table and no retention rule.
 */
@Injectable()
export class PrunerRegistry {
  private readonly pruners: Pruner[] = [];

  register(...pruners: Pruner[]): void {
    for (const pruner of pruners) {
      if (this.pruners.some((known) => known.name === pruner.name)) {
        throw new Error(`a pruner named ${pruner.name} is already registered`);
      }
      this.pruners.push(pruner);
    }
  }

  /** In the order they were registered (an owner registers dependent tables in turn). */
  all(): readonly Pruner[] {
    return this.pruners;
  }
}
