import { type SseEvent, SseParser } from './sse-parser';

describe('SseParser', () => {
  const parse = (chunks: string[]) => {
    const events: SseEvent[] = [];
    const parser = new SseParser((event) => events.push(event));
    for (const chunk of chunks) parser.push(chunk);
    return events;
  };

  it('dispatches on a blank line, ignores comments, joins data lines', () => {
    expect(parse([': hi\n\nevent: snapshot\ndata: {"a":1}\n\ndata: x\ndata: y\n\n'])).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });

  it('takes chunks cut anywhere, CRLF and CR line ends included', () => {
    const text = 'event: revoked\r\ndata: {"sid":"s"}\r\n\r\nevent: revoked\rdata: 2\r\r\n';
    const whole = parse([text]);
    const split = parse(text.split(''));
    expect(whole).toEqual([
      { event: 'revoked', data: '{"sid":"s"}' },
      { event: 'revoked', data: '2' },
    ]);
    expect(split).toEqual(whole);
  });

  it('a block of only comments or an event name dispatches nothing', () => {
    expect(parse([': keep-alive\n\nevent: x\n\n'])).toEqual([]);
  });

  it('refuses an unbounded line', () => {
    const parser = new SseParser(() => undefined);
    const chunk = 'x'.repeat(1024 * 1024);
    expect(() => {
      for (let i = 0; i < 40; i++) parser.push(chunk);
    }).toThrow('event stream line too long');
  });
});
