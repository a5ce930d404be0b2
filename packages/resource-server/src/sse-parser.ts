/** One dispatched Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
}

/** A line longer than this is no event of Latch's (a snapshot of ~300,000 sessions fits). */
const MAX_BUFFERED_CHARS = 32 * 1024 * 1024;

/**
 * The event-stream format (WHATWG HTML, "Server-sent events"): lines ending in LF, CRLF or
 * CR; `event:` and `data:` fields; a blank line dispatches; comment lines (`:`) only prove the
 * stream alive. Fed text as it arrives, in chunks cut anywhere.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly dispatch: (event: SseEvent) => void) {}

  push(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_BUFFERED_CHARS) throw new Error('event stream line too long');
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      // A trailing CR may be the first half of CRLF: wait for the next chunk.
      if (!found || (found[0] === '\r' && found.index === this.buffer.length - 1)) break;
      this.line(this.buffer.slice(start, found.index));
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.dispatch({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
