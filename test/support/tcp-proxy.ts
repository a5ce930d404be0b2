import { once } from 'node:events';
import { createConnection, createServer, NetConnectOpts, Server, Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, standing between the app and its
 * database. Cut: every open connection is destroyed and new ones are refused.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  /** The port the proxy listens on (fixed at the first listen, reused on restore). */
  port = 0;

  private constructor(private readonly target: NetConnectOpts) {}

  static async start(targetHost: string, targetPort: number, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: targetHost, port: targetPort });
    proxy.port = await proxy.listen(port);
    return proxy;
  }

  /** A loopback TCP port in front of a Unix socket (the embedded database's). */
  static async toSocket(path: string, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy({ path });
    proxy.port = await proxy.listen(port);
    return proxy;
  }

  private async listen(port: number): Promise<number> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** Drops every connection and stops accepting: the database is "gone". */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.cut();
  }
}
