import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Http } from './http';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** The built service (`node dist/src/main`) running as a child process. */
export class LatchProcess {
  private output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  /** Spawns with the given environment on top of a clean one (PATH, HOME) and a free port. */
  static async spawn(env: Record<string, string | undefined>): Promise<LatchProcess> {
    // A PORT given by the test is passed as is (it may be deliberately invalid).
    const port = env.PORT ?? String(await freePort());
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
        ...env,
        PORT: port,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LatchProcess(child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get http(): Http {
    return new Http(this.url);
  }

  get logs(): string {
    return this.output;
  }

  /** Resolves with the ms it took for /health to answer 200; rejects if the process exits. */
  async waitHealthy(timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    while (Date.now() - started < timeoutMs) {
      if (exitCode !== undefined) throw new Error(`exited with ${exitCode}: ${this.output}`);
      try {
        const response = await fetch(`${this.url}/health`);
        if (response.status === 200) return Date.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`not healthy within ${timeoutMs} ms: ${this.output}`);
  }

  async waitExit(timeoutMs = 20_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<number | null>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not exit: ${this.output}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    return this.waitExit();
  }
}
