// Prints the functions with the most self time in a V8 .cpuprofile (node --cpu-prof).
//
//   node bench/top-functions.js <file.cpuprofile> [--top N] [--by function|package]
//                               [--inclusive] [--from US --to US]
//
// --from/--to keep only the samples inside a window of the monotonic clock in microseconds
// (bench/run.js --profile prints the window of each scenario). --by package sums the time
// per node_modules package ("latch" for dist/, "node" for node: internals). --inclusive
// ranks by total time (the function and everything it called) instead of self time.
//
// The profiler samples wall-clock time: on a busy machine a thread that the kernel has
// preempted (often right in a syscall such as writev) is charged to where it stopped.

const { readFileSync } = require('node:fs');

const USAGE =
  'usage: node bench/top-functions.js <file.cpuprofile> [--top N] [--by function|package] ' +
  '[--inclusive] [--from US --to US]';

function parseArgs(argv) {
  const options = { top: 25, by: 'function', inclusive: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--top') options.top = Number(argv[++i]);
    else if (arg === '--by') options.by = argv[++i];
    else if (arg === '--from') options.from = Number(argv[++i]);
    else if (arg === '--to') options.to = Number(argv[++i]);
    else if (arg === '--inclusive') options.inclusive = true;
    else if (!arg.startsWith('--') && !options.file) options.file = arg;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (!options.file || !['function', 'package'].includes(options.by)) throw new Error(USAGE);
  return options;
}

/** [nodeId, µs] for each sample inside the window; a sample lasts until the next one. */
function sampleSpans(profile, from = -Infinity, to = Infinity) {
  const spans = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const span = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (t >= from && t <= to) spans.push([profile.samples[i], span]);
  }
  return spans;
}

function shortUrl(url) {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  return url.includes('/dist/') ? 'latch' : url;
}

function keyOf(node, by) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName.startsWith('(')) return functionName; // (idle), (program), (garbage collector)
  if (by === 'package') return packageOf(url);
  return `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
}

/** Time per key: self time, or with `inclusive` the time of every stack the key is on. */
function timeByKey(profile, spans, options) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const times = new Map();
  for (const [id, span] of spans) {
    const keys = new Set([keyOf(nodes.get(id), options.by)]);
    if (options.inclusive) {
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
        keys.add(keyOf(nodes.get(p), options.by));
      }
    }
    for (const key of keys) times.set(key, (times.get(key) ?? 0) + span);
  }
  return times;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(readFileSync(options.file, 'utf8'));
  const spans = sampleSpans(profile, options.from, options.to);
  const times = timeByKey(profile, spans, options);
  const total = spans.reduce((sum, [, span]) => sum + span, 0);
  const busy = total - (times.get('(idle)') ?? 0);
  console.log(
    `${options.file}: ${(total / 1000).toFixed(0)} ms sampled, ` +
      `${(busy / 1000).toFixed(0)} ms busy (${((100 * busy) / (total || 1)).toFixed(1)}%)`,
  );
  console.log(`  ${options.inclusive ? 'total' : ' self'} ms   % busy  ${options.by}`);
  const rows = [...times.entries()]
    .filter(([key]) => key !== '(idle)' && key !== '(root)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.top);
  for (const [key, time] of rows) {
    const ms = (time / 1000).toFixed(1).padStart(10);
    const share = ((100 * time) / (busy || 1)).toFixed(1).padStart(6);
    console.log(`${ms}  ${share}%  ${key}`);
  }
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
