import { spawnSync } from 'node:child_process';
import { MetricsServer } from '../../src/metrics/metrics-server';
import type { TestApp } from './test-app';

/** The Prometheus tools of Debian's `prometheus` package (.ci/run installs it when missing). */
export const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';

/** The app's metrics listener (METRICS_PORT), as a URL. */
export function metricsUrl(t: TestApp): string {
  const port = t.app.get(MetricsServer).port;
  if (port === undefined) throw new Error('the metrics listener is not up (METRICS_PORT unset?)');
  return `http://127.0.0.1:${port}`;
}

/** GET /metrics from the metrics listener: the exposition text. */
export async function scrape(t: TestApp): Promise<string> {
  const response = await fetch(`${metricsUrl(t)}/metrics`);
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
  return response.text();
}

/** `name{a="x",b="y"}` as the exposition writes it: labels in the order given. */
const seriesKey = (name: string, labels: Record<string, string>) => {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
};

/**
 * The value of one series in an exposition text; undefined when absent. Labels must be
 * given in the order prom-client writes them (the metric's labelNames).
 */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const key = seriesKey(name, labels);
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}

/** Every series line (not # HELP / # TYPE) of a metric name. */
export const seriesOf = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

/** Scrapes before and after `action`; returns a reader of how much a series moved. */
export async function delta(
  t: TestApp,
  action: () => Promise<unknown>,
): Promise<(name: string, labels?: Record<string, string>) => number> {
  const before = await scrape(t);
  await action();
  const after = await scrape(t);
  return (name, labels = {}) =>
    (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
}

/** `promtool <args>` with `input` on stdin: its exit status and what it printed. */
export function promtool(args: string[], input?: string) {
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
