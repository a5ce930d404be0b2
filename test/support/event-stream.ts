import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface StreamEvent {
  event: string;
  data: any;
  /** When it arrived (Date.now()). */
  at: number;
}

/** A Server-Sent Events reader over node:http, for the revocation feed's specs. */
export class EventStream {
  readonly events: StreamEvent[] = [];
  /** Arrival times of comment lines (heartbeats). */
  readonly comments: number[] = [];
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
    const end = () => {
      this.ended = true;
      this.notify();
    };
    response.on('end', end);
    response.on('close', end);
    response.on('error', end);
  }

  /**
   * Opens `GET path` with the bearer token. A 200 stream is returned open; any other answer
   * is read to its end, its body available as `problem`.
   */
  static open(baseUrl: string, path: string, token?: string): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const req = request(`${baseUrl}${path}`, { headers }, (response) =>
        resolve(new EventStream(response.statusCode ?? 0, response.headers, response)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The JSON body of a refused request (once it has ended). */
  async problem(): Promise<any> {
    await this.waitUntil(() => this.ended);
    return JSON.parse(this.buffer);
  }

  /** The first event matching, waiting for it (rejects after timeoutMs). */
  async next(match: (event: StreamEvent) => boolean, timeoutMs = 5000): Promise<StreamEvent> {
    let found: StreamEvent | undefined;
    await this.waitUntil(() => (found = this.events.find(match)) !== undefined, timeoutMs);
    return found!;
  }

  /** The `revoked` event of a session. */
  revoked(sid: string, timeoutMs = 5000): Promise<StreamEvent> {
    return this.next((e) => e.event === 'revoked' && e.data.sid === sid, timeoutMs);
  }

  snapshot(timeoutMs = 5000): Promise<StreamEvent> {
    return this.next((e) => e.event === 'snapshot', timeoutMs);
  }

  waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== poll);
        reject(new Error(`not seen within ${timeoutMs} ms (${this.events.length} events)`));
      }, timeoutMs);
      const poll = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== poll);
        resolve();
      };
      this.waiters.push(poll);
      poll();
    });
  }

  close(): void {
    this.response.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    if (this.status !== 200) return; // a problem body, read whole in problem()
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.parse(block);
    }
    this.notify();
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(Date.now());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) {
      this.events.push({ event, data: JSON.parse(data.join('\n')), at: Date.now() });
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
