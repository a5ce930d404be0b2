import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_SETTINGS, type MetricsSettings } from '../latch.settings';
import { LatchMetrics } from './latch-metrics';

/**
 * `GET /metrics` on a listener of its own (`metrics.port` on `metrics.host`), so the API's
 * port never serves it and a firewall can keep it to the scraper. Anything else: 404.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly metrics: LatchMetrics,
    @Inject(METRICS_SETTINGS) private readonly settings: MetricsSettings,
  ) {}

  /** The port it listens on (the one the OS chose for `port: 0`); undefined when not serving. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.settings;
    if (!this.metrics.enabled || port === undefined) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          response.end(request.method === 'HEAD' ? undefined : text);
        },
        (error: Error) => {
          this.logger.warn(`metrics could not be collected: ${error.message}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('collection failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics at http://${host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // A scraper keeps its connection alive between scrapes: close it rather than wait.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
