import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedAlertRules } from '../support/alert-rules';
import { metricsUrl, PROMETHEUS } from '../support/metrics';
import { eventually, login, registerUser, startApp, TestApp } from '../support/test-app';

/** A loopback port free right now (for Prometheus' own web listener). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus (Debian's `prometheus` package; .ci/run installs it, nothing downloads a
 * binary), configured in a temporary folder to scrape the service on 127.0.0.1 every second
 * with the documented alert rules loaded. After known logins its HTTP API answers the count.
 */
describe('a real Prometheus scraping the service', () => {
  let t: TestApp;
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let api: string;
  let log = '';

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(`${PROMETHEUS} is missing: apt-get install -y prometheus (see .ci/run)`);
    }
    t = await startApp({ env: { METRICS_PORT: '0' } });
    dir = mkdtempSync(join(tmpdir(), 'latch-prometheus-'));
    writeFileSync(join(dir, 'latch.rules.yml'), documentedAlertRules());
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        '  - latch.rules.yml',
        'scrape_configs:',
        '  - job_name: latch',
        '    static_configs:',
        `      - targets: ['${new URL(metricsUrl(t)).host}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await eventually(
      async () => {
        if (prometheus!.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
        return (await fetch(`${api}/-/ready`).catch(() => undefined))?.status === 200;
      },
      30_000,
      200,
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await once(prometheus, 'exit');
    }
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<PromResult[]> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { result: PromResult[] } };
    if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  const successes = async () => {
    const [result] = await query('latch_logins_total{method="password",outcome="success"}');
    return result ? Number(result.value[1]) : undefined;
  };

  it('scrapes the service, then its API answers latch_logins_total after known logins', async () => {
    // A first scrape: the target is up and the series exists at 0.
    await eventually(
      async () => (await query('up{job="latch"}'))[0]?.value[1] === '1',
      20_000,
      250,
    );
    await eventually(async () => (await successes()) !== undefined, 10_000, 250);
    const before = (await successes())!;

    const user = await registerUser(t.http);
    for (let i = 0; i < 3; i++) await login(t.http, user.email);

    await eventually(async () => (await successes()) === before + 3, 15_000, 250);
    const [series] = await query('latch_logins_total{method="password",outcome="success"}');
    expect(series.metric).toMatchObject({
      __name__: 'latch_logins_total',
      job: 'latch',
      method: 'password',
      outcome: 'success',
    });
    // The route label Prometheus stored is the template.
    const routes = await query('latch_http_requests_total{route="/auth/login"}');
    expect(routes.map((r) => r.metric.status)).toContain('200');
  });

  it('loads the documented alert rules and evaluates them without error', async () => {
    await eventually(
      async () => {
        const response = await fetch(`${api}/api/v1/rules`);
        const body = (await response.json()) as {
          data: { groups: { rules: { name: string; health: string }[] }[] };
        };
        const rules = body.data.groups.flatMap((group) => group.rules);
        return rules.length === 5 && rules.every((rule) => rule.health === 'ok');
      },
      15_000,
      250,
    );
    // Nothing is wrong with this service: none of them fires.
    const firing = await query('ALERTS{alertstate="firing"}');
    expect(firing).toEqual([]);
  });
});
