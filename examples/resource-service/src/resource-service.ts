import { type INestApplication, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { LatchResourceModule, type LatchResourceOptions } from '@latch/resource-server';
import { OrdersModule } from './orders/orders.module';

export interface ResourceServiceOptions extends LatchResourceOptions {
  /** Express (Nest's default) or Fastify: the package works on either. */
  platform: 'express' | 'fastify';
}

@Module({})
class ResourceServiceModule {
  static with(options: LatchResourceOptions): DynamicModule {
    return {
      module: ResourceServiceModule,
      imports: [LatchResourceModule.forRootAsync({ useFactory: () => options }), OrdersModule],
    };
  }
}

/** The service, not yet listening. */
export async function createResourceService({
  platform,
  ...options
}: ResourceServiceOptions): Promise<INestApplication> {
  const module = ResourceServiceModule.with(options);
  const logger = ['warn', 'error'] as ('warn' | 'error')[];
  return platform === 'fastify'
    ? NestFactory.create(module, new FastifyAdapter(), { logger })
    : NestFactory.create(module, { logger });
}
