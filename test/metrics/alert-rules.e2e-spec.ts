import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedAlertRules } from '../support/alert-rules';
import { promtool } from '../support/metrics';

/** The example alert rules of docs/operations.md are valid Prometheus rules. */
describe('the documented alert rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latch-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules, and alert on reuse, lockouts, the outbox and the listener', () => {
    const rules = documentedAlertRules();
    const file = join(dir, 'latch.rules.yml');
    writeFileSync(file, rules);
    const { status, output } = promtool(['check', 'rules', file]);
    expect({ status, output }).toMatchObject({
      status: 0,
      output: expect.stringMatching(/SUCCESS: 5 rules found/),
    });
    for (const metric of [
      'latch_refresh_total{outcome="reused"}',
      'latch_rate_limited_total{limit="lockout"}',
      'latch_mail_outbox_pending',
      'latch_revocation_listener_up',
    ]) {
      expect(rules).toContain(metric);
    }
  });

  it('promtool refuses a broken rule (the check is real)', () => {
    const file = join(dir, 'broken.rules.yml');
    writeFileSync(file, documentedAlertRules().replace('> 10', '> > 10'));
    expect(promtool(['check', 'rules', file]).status).not.toBe(0);
  });
});
