import type { Logger } from '@nestjs/common';
import { renderProblem } from './problem.filter';
import { ProblemException } from './problem';

/** A Logger stand-in that records what was logged, at which level. */
function recordingLogger() {
  const lines: { level: string; fields: unknown; message: unknown }[] = [];
  const at = (level: string) => (fields: unknown, message?: unknown) =>
    lines.push({ level, fields, message });
  const logger = { warn: at('warn'), error: at('error'), log: at('log') } as unknown as Logger;
  return { logger, lines };
}

describe('renderProblem', () => {
  it('answers an unexpected error with a generic 500 and logs the details with the request id', () => {
    const { logger, lines } = recordingLogger();
    const rendered = renderProblem(new Error('secret internals'), logger, 'req-42');
    expect(rendered.body).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(rendered.body)).not.toContain('secret internals');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      fields: { reqId: 'req-42', stack: expect.stringContaining('secret internals') },
    });
  });

  it('answers a lost database with 503 and a warning carrying the request id', () => {
    const { logger, lines } = recordingLogger();
    const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const rendered = renderProblem(lost, logger, 'req-43');
    expect(rendered.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(rendered.headers).toEqual({ 'retry-after': '1' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', fields: { reqId: 'req-43' } }),
    ]);
  });

  it('logs nothing for a problem the service raised on purpose', () => {
    const { logger, lines } = recordingLogger();
    const rendered = renderProblem(new ProblemException(409, 'email_taken', 'taken'), logger);
    expect(rendered.body).toMatchObject({ status: 409, code: 'email_taken', detail: 'taken' });
    expect(lines).toHaveLength(0);
  });
});
