import type { Registry } from 'prom-client';

/** Request latencies: a cached /auth/me answers in about a millisecond, a login in tens. */
export const HTTP_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

interface Series {
  method: string;
  route: string;
  status: string;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: number[];
}

interface Sample {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

/**
 * latch_http_requests_total and latch_http_request_duration_seconds, kept as plain numbers
 * per (method, route, status) and turned into samples only when scraped: a request costs one
 * Map lookup and a few additions, not prom-client's label hashing and checks twice over
 * (measured: that was most of what metrics cost GET /auth/me). Registered in the registry as
 * two metrics of prom-client's shape (`get()`), so the exposition, merging and
 * `promtool check metrics` see ordinary counters and histograms.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  constructor(registry: Registry) {
    registry.registerMetric({
      name: 'latch_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      type: 'counter',
      get: () => this.counterValues(),
    } as never);
    registry.registerMetric({
      name: 'latch_http_request_duration_seconds',
      help: 'Time from receiving a request to its response, by method and route template',
      type: 'histogram',
      get: () => this.histogramValues(),
    } as never);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        method,
        route,
        status: String(status),
        count: 0,
        sum: 0,
        buckets: new Array<number>(HTTP_BUCKETS.length + 1).fill(0),
      };
      this.series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    let slot = 0;
    while (slot < HTTP_BUCKETS.length && seconds > HTTP_BUCKETS[slot]) slot++;
    series.buckets[slot]++;
  }

  private counterValues() {
    const values: Sample[] = [...this.series.values()].map((s) => ({
      labels: { method: s.method, route: s.route, status: s.status },
      value: s.count,
    }));
    return {
      name: 'latch_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      type: 'counter',
      values,
      aggregator: 'sum',
    };
  }

  /** The histogram is by method and route: the statuses of one route are added together. */
  private histogramValues() {
    const byRoute = new Map<
      string,
      { method: string; route: string; sum: number; buckets: number[] }
    >();
    for (const s of this.series.values()) {
      const key = `${s.method} ${s.route}`;
      let total = byRoute.get(key);
      if (!total) {
        total = { method: s.method, route: s.route, sum: 0, buckets: s.buckets.map(() => 0) };
        byRoute.set(key, total);
      }
      total.sum += s.sum;
      s.buckets.forEach((n, i) => (total.buckets[i] += n));
    }
    const name = 'latch_http_request_duration_seconds';
    const values: Sample[] = [];
    for (const { method, route, sum, buckets } of byRoute.values()) {
      let cumulative = 0;
      HTTP_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i];
        values.push({
          labels: { method, route, le: String(le) },
          value: cumulative,
          metricName: `${name}_bucket`,
        });
      });
      cumulative += buckets[HTTP_BUCKETS.length];
      values.push({
        labels: { method, route, le: '+Inf' },
        value: cumulative,
        metricName: `${name}_bucket`,
      });
      values.push({ labels: { method, route }, value: sum, metricName: `${name}_sum` });
      values.push({ labels: { method, route }, value: cumulative, metricName: `${name}_count` });
    }
    return {
      name,
      help: 'Time from receiving a request to its response, by method and route template',
      type: 'histogram',
      values,
      aggregator: 'sum',
    };
  }
}
