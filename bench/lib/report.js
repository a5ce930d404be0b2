// The result table, and each target of the issue judged against its same-run baseline.

const num = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '-'
    : value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });

const measured = (figures) => Boolean(figures) && !figures.notMeasured;

/** subject.rps / baseline.rps must be at least `min`. */
function throughputRatio(id, label, subject, baseline, min) {
  const value = measured(subject) && measured(baseline) ? subject.rps / baseline.rps : null;
  return {
    id,
    label,
    measured: value,
    unit: 'x',
    goal: `>= ${min}x`,
    met: value === null ? null : value >= min,
    detail: value === null ? 'not measured' : `${num(subject.rps)} / ${num(baseline.rps)} req/s`,
  };
}

/** `value` must stay at or under `max` (strictly under when `strict`). */
function ceiling(id, label, value, { max, unit, strict = false, detail }) {
  const known = value !== null && value !== undefined;
  return {
    id,
    label,
    measured: known ? value : null,
    unit,
    goal: max === 0 ? '= 0' : `${strict ? '<' : '<='} ${max}${unit === 'x' ? 'x' : ` ${unit}`}`,
    met: known ? (strict ? value < max : value <= max) : null,
    detail: known ? detail : 'not measured',
  };
}

/** Every target of the issue: met (true), not met (false) or not measured (null). */
function evaluateTargets(results) {
  const { scenarios: s, baselines: b, startup } = results;
  const refreshFailures = measured(s.refresh)
    ? s.refresh.errors + s.refresh.non2xx + s.refresh.brokenChains
    : null;
  const floodRatio =
    measured(s.me) && measured(s.meFlood) && s.me.p99 > 0 ? s.meFlood.me.p99 / s.me.p99 : null;
  const startupLimit = results.database.mode === 'postgresql' ? 1000 : 3000;
  return [
    throughputRatio(
      'me_vs_verify',
      '/auth/me vs Fastify + ES256 verify',
      s.me,
      b.fastifyVerified,
      1,
    ),
    throughputRatio('me_vs_bare', '/auth/me vs bare Fastify', s.me, b.fastifyBare, 0.4),
    throughputRatio(
      'refresh_vs_sql',
      'refresh vs pure-SQL rotation',
      s.refresh,
      b.sqlRotation,
      0.5,
    ),
    ceiling('refresh_errors', 'refresh errors + non-2xx', refreshFailures, {
      max: 0,
      unit: '',
      detail: measured(s.refresh)
        ? `${s.refresh.errors} errors, ${s.refresh.non2xx} non-2xx, ${s.refresh.brokenChains} broken chains`
        : '',
    }),
    ceiling('refresh_p99', 'refresh p99', s.refresh?.p99, {
      max: 50,
      unit: 'ms',
      strict: true,
      detail: `${num(s.refresh?.p99, 1)} ms`,
    }),
    throughputRatio('login_vs_argon2', 'login vs argon2id hashes/s', s.login, b.argon2, 0.9),
    ceiling('me_p99_flood', '/auth/me p99 with login flood vs without', floodRatio, {
      max: 3,
      unit: 'x',
      detail: `${num(s.meFlood?.me?.p99, 1)} ms / ${num(s.me?.p99, 1)} ms`,
    }),
    throughputRatio(
      'refresh_table_size',
      'refresh, large vs small token table',
      s.refreshLarge,
      s.refreshSmall,
      0.9,
    ),
    ceiling('rss', 'RSS after the whole run', results.finalRssMb, {
      max: 200,
      unit: 'MB',
      detail: `${num(results.finalRssMb, 1)} MB`,
    }),
    ceiling('startup', `start-up to healthy /health (${results.database.mode})`, startup.coldMs, {
      max: startupLimit,
      unit: 'ms',
      detail:
        `${num(startup.coldMs)} ms on a fresh database` +
        (startup.warmMs ? `; ${num(startup.warmMs)} ms on restart` : ''),
    }),
  ];
}

/** Rows of the table: Latch scenarios first, then the baselines. */
function scenarioRows(results) {
  const { scenarios: s, baselines: b } = results;
  const { fillerTokens } = results.options;
  const argon2 = measured(b.argon2)
    ? `(pool ${b.argon2.threadPoolSize}, ${b.argon2.concurrency} in flight)`
    : '';
  const rows = [
    ['GET /auth/me', s.me],
    ['GET /users/me', s.usersMe],
    ['POST /auth/refresh (chained)', s.refresh],
    ['POST /auth/login', s.login],
    ['GET /auth/me during login flood', s.meFlood?.me, s.meFlood?.rssMb],
    ['  POST /auth/login flood, 8 conns', s.meFlood?.login, s.meFlood?.rssMb],
    [`POST /auth/refresh, ${num(fillerTokens.small)} live tokens`, s.refreshSmall],
    [`POST /auth/refresh, ${num(fillerTokens.large)} live tokens`, s.refreshLarge],
    ['baseline: bare Fastify GET /me', b.fastifyBare],
    ['baseline: Fastify + ES256 verify', b.fastifyVerified],
    ['baseline: pure-SQL rotation, pg', b.sqlRotation],
    [`baseline: argon2id hashes ${argon2}`, b.argon2],
  ];
  return rows.map(([label, figures, rss]) => {
    if (!measured(figures)) {
      return [label, '-', '-', '-', '-', '-', figures?.notMeasured ?? 'not measured'];
    }
    const cpu = figures.cpu?.serverMsPerRequest;
    return [
      label,
      num(figures.rps),
      num(figures.p50, 1),
      num(figures.p99, 1),
      `${figures.errors}/${figures.non2xx}`,
      num(rss ?? figures.rssMb, 0),
      cpu ? `${num(cpu, 3)} ms CPU/request` : '',
    ];
  });
}

function targetRows(targets) {
  return targets.map((t) => [
    t.label,
    t.measured === null
      ? '-'
      : t.unit === 'x'
        ? `${num(t.measured, 2)}x`
        : num(t.measured, Number.isInteger(t.measured) ? 0 : 1),
    t.goal,
    t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET',
    t.detail,
  ]);
}

function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) =>
        i === 0 || i === cells.length - 1
          ? String(c).padEnd(widths[i])
          : String(c).padStart(widths[i]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The measurements during which other work on the machine took a noticeable share. */
function disturbed(results, threshold = 0.25) {
  const all = [
    ...Object.values(results.scenarios).flatMap((f) =>
      f.me
        ? [
            { ...f.me, label: f.label },
            { ...f.login, label: `${f.label}: login` },
          ]
        : [f],
    ),
    ...Object.values(results.baselines),
  ];
  return all
    .filter((f) => measured(f) && f.cpu?.otherCores > threshold)
    .map((f) => `${f.label} (${num(f.cpu.otherCores, 2)} cores)`);
}

function printReport(results) {
  console.log('');
  printTable(
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'err/non2xx', 'RSS MB', 'server CPU / note'],
    scenarioRows(results),
  );
  console.log('');
  console.log(
    `start-up ${num(results.startup.coldMs)} ms on a fresh database` +
      (results.startup.warmMs ? `, ${num(results.startup.warmMs)} ms on restart` : '') +
      `; idle RSS ${num(results.idleRssMb, 1)} MB; RSS at the end ${num(results.finalRssMb, 1)} MB`,
  );
  const end = results.finalMemoryMb;
  if (end) {
    console.log(
      `memory at the end: anonymous ${num(end.anon, 1)} MB, file-backed ${num(end.file, 1)} MB, ` +
        `peak RSS ${num(end.hwm, 1)} MB`,
    );
  }
  const noisy = disturbed(results);
  if (noisy.length > 0) {
    console.log(`warning: other work on the machine took CPU during ${noisy.join(', ')}`);
  }
  console.log('');
  printTable(['target', 'measured', 'goal', 'result', 'detail'], targetRows(results.targets));
}

module.exports = { evaluateTargets, printReport, num, ceiling };
