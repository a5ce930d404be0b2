// Command-line options of `npm run bench`.

const USAGE = `usage: node bench/run.js [--quick] [--duration SECONDS] [--profile] [--only A,B]

  --quick            2 s scenarios, 100,000 instead of 1,000,000 filler refresh tokens
  --duration N       seconds per scenario (default 10; 2 with --quick)
  --profile          run Latch under --cpu-prof, one process (and profile) per scenario;
                     profiles go to bench/results/profiles/
  --only A,B         run only these scenarios (and their baselines): me, usersMe, refresh,
                     login, meFlood, refreshSmall, refreshLarge
  --help             this text

DATABASE_URL set: a fresh database latch_bench_<random> is created on that server and
dropped at the end. Unset: the embedded database (PGlite) in a fresh temporary DATA_DIR.`;

const SCENARIOS = ['me', 'usersMe', 'refresh', 'login', 'meFlood', 'refreshSmall', 'refreshLarge'];

function parseArgs(argv) {
  const options = { quick: false, duration: undefined, profile: false, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
        throw new Error(`--duration needs a number of seconds between 0 and 600 (got ${value})`);
      }
      options.duration = seconds;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      options.only = String(value ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const unknown = options.only.filter((name) => !SCENARIOS.includes(name));
      if (unknown.length > 0 || options.only.length === 0) {
        throw new Error(`--only takes a list of: ${SCENARIOS.join(', ')} (got ${value})`);
      }
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else {
      throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  const duration = options.duration ?? (options.quick ? 2 : 10);
  return {
    ...options,
    duration,
    // Each measured window is preceded by an unmeasured one so the JIT has settled.
    warmup: Math.min(2, Math.max(0.5, duration / 5)),
    connections: 50,
    floodConnections: 8,
    extraUsers: 5,
    fillerTokens: { small: 10_000, large: options.quick ? 100_000 : 1_000_000 },
  };
}

module.exports = { parseArgs, USAGE };
