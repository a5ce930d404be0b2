// The soak test's 10-s lines, and its verdict against the targets of issue 10.

const { ceiling, num } = require('./report');

const MB = 1024 * 1024;

const clock = (seconds) =>
  `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;

/** The columns of the 10-s lines: title, width, value of a sample. */
const COLUMNS = [
  ['t', 5, (s) => clock(s.t)],
  ['ops/s', 6, (s) => num(s.rps, 1)],
  ['RSS MB', 7, (s) => num(s.rssMb, 1)],
  ['heap MB', 8, (s) => num(s.heapUsedMb, 1)],
  ['after GC', 8, (s) => num(s.heapAfterGcMb, 1)],
  ['loop p99', 8, (s) => num(s.eventLoopDelayMs?.p99, 1)],
  ['max', 6, (s) => num(s.eventLoopDelayMs?.max, 0)],
  ['idle p99', 8, (s) => num(s.idleEventLoopDelayMs?.p99, 1)],
  ['db', 3, (s) => String(s.dbConnections ?? '-')],
  ['5xx', 7, (s) => `${s.serverErrors}/${s.serverErrorsTotal}`],
  ['refresh fail', 12, (s) => `${s.refreshFailures}/${s.refreshFailuresTotal}`],
  ['p99 ms', 7, (s) => num(s.latencyP99Ms, 0)],
  ['problems', 8, (s) => String(s.problems)],
  [
    'CPU latch/pg/other',
    18,
    (s) =>
      [s.cpu?.serverCores, s.cpu?.postgresCores, s.cpu?.otherCores].map((v) => num(v, 2)).join('/'),
  ],
];

function header() {
  return COLUMNS.map(([title, width]) => title.padStart(width)).join('  ');
}

/** One line per sample (5xx and refresh failures: in the window / since the start). */
function sampleLine(sample) {
  return COLUMNS.map(([, width, value]) => value(sample).padStart(width)).join('  ');
}

const median = (values) => {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The two windows that growth compares: from minute 2 (or 20 % of a run shorter than 10
 * minutes) and the end, each a minute long (10 % of a shorter run, at least one sample).
 * Comparing the medians of a few samples, not two single samples, keeps one GC's saw-tooth
 * from deciding the verdict.
 */
function growthWindows(samples, seconds) {
  const width = Math.max(10, Math.min(60, seconds / 10));
  const from = Math.min(120, seconds / 5);
  let start = samples.filter((s) => s.t >= from && s.t < from + width);
  if (start.length === 0) start = samples.filter((s) => s.t >= from).slice(0, 1);
  let end = samples.filter((s) => s.t > seconds - width);
  if (end.length === 0) end = samples.slice(-1);
  return { from, width, start, end };
}

function growth(windows, field) {
  const start = median(windows.start.map((s) => s[field]));
  const end = median(windows.end.map((s) => s[field]));
  const value = start && end !== null ? (100 * (end - start)) / start : null;
  return { start, end, percent: value };
}

/**
 * The targets: RSS and heap grow by at most 10 % from minute 2 to the end, no 5xx, no lost
 * session, event-loop delay p99 under 20 ms over the steady phase.
 */
function evaluateSoak({
  samples,
  seconds,
  steady,
  finalCheck,
  eventLoopDelayMs,
  idleEventLoopDelayMs,
}) {
  const windows = growthWindows(samples, seconds);
  const rss = growth(windows, 'rssMb');
  const heap = growth(windows, 'heapAfterGcMb');
  const used = growth(windows, 'heapUsedMb');
  const span = `median of ${clock(windows.start[0]?.t ?? 0)}-${clock(windows.start.at(-1)?.t ?? 0)} vs ${clock(windows.end[0]?.t ?? 0)}-${clock(windows.end.at(-1)?.t ?? 0)}`;
  const mb = (g) => `${num(g.start, 1)} -> ${num(g.end, 1)} MB (${span})`;
  const serverErrors = steady.serverErrors + finalCheck.serverErrors;
  const targets = [
    ceiling('rss_growth', 'RSS growth from minute 2', rss.percent, {
      max: 10,
      unit: '%',
      detail: mb(rss),
    }),
    ceiling('heap_growth', 'heap growth from minute 2', heap.percent, {
      max: 10,
      unit: '%',
      detail: heap.start === null ? 'heap not readable' : `${mb(heap)}, after a full GC`,
    }),
    ceiling('server_errors', '5xx answers', serverErrors, {
      max: 0,
      unit: '',
      detail: `${steady.serverErrors} under load, ${finalCheck.serverErrors} in the final check`,
    }),
    ceiling('lost_sessions', 'lost long-lived sessions', finalCheck.lost.length, {
      max: 0,
      unit: '',
      detail: `${finalCheck.lost.length} of ${finalCheck.chains} chains never logged out`,
    }),
    ceiling('event_loop_p99', 'event-loop delay p99', eventLoopDelayMs?.p99 ?? null, {
      max: 20,
      unit: 'ms',
      strict: true,
      detail:
        `max ${num(eventLoopDelayMs?.max, 1)} ms over ${num(eventLoopDelayMs?.count)} ticks; ` +
        `an idle Node process meanwhile: p99 ${num(idleEventLoopDelayMs?.p99, 1)} ms, ` +
        `max ${num(idleEventLoopDelayMs?.max, 1)} ms`,
    }),
  ];
  return {
    targets,
    growth: { windows: { from: windows.from, width: windows.width }, rss, heap, heapUsed: used },
  };
}

function printVerdict(verdict, log) {
  log('\nverdict:');
  for (const t of verdict.targets) {
    const state = t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET';
    const value =
      t.measured === null
        ? '-'
        : `${num(t.measured, t.unit === '' ? 0 : 1)}${t.unit && ` ${t.unit}`}`;
    log(
      `  ${t.label.padEnd(34)} ${value.padStart(10)}  goal ${t.goal.padEnd(9)} ${state.padEnd(8)} ${t.detail}`,
    );
  }
  const used = verdict.growth.heapUsed;
  if (used.percent !== null) {
    log(
      `  (heap used before the forced GC, not judged: ${num(used.start, 1)} -> ` +
        `${num(used.end, 1)} MB, ${num(used.percent, 1)} %)`,
    );
  }
}

module.exports = { header, sampleLine, evaluateSoak, printVerdict, MB, clock };
