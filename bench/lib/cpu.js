// Where the CPU went during a measured window: the server under test (Latch or a baseline
// server), this process (the load generator), every postgres process, and the whole machine.
// Read from /proc, so Linux only; elsewhere the figures are null.

const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const os = require('node:os');
const { performance } = require('node:perf_hooks');

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User and system (kernel) CPU seconds of a process, all its threads; null if gone. */
function processTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: fields[11] / ticksPerSecond(), system: fields[12] / ticksPerSecond() };
  } catch {
    return null;
  }
}

function processCpuSeconds(pid) {
  const times = processTimes(pid);
  return times && times.user + times.system;
}

/** CPU seconds of every process named postgres, by pid. */
function postgresCpuSeconds() {
  const byPid = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // gone meanwhile
    }
    const seconds = processCpuSeconds(entry);
    if (seconds !== null) byPid.set(entry, seconds);
  }
  return byPid;
}

/** CPU seconds the postgres processes used between two snapshots (new ones count whole). */
function postgresDelta(before, after) {
  if (after.size === 0) return null;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks() {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const ticks = values.map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - ticks[3] - (ticks[4] ?? 0), total }; // minus idle and iowait
  } catch {
    return null;
  }
}

function snapshot(serverPid) {
  const own = process.cpuUsage();
  const server = serverPid ? processTimes(serverPid) : null; // one read: user and system agree
  return {
    at: performance.now(),
    server: server && server.user + server.system,
    serverSystem: server?.system ?? null,
    bench: (own.user + own.system) / 1e6,
    postgres: postgresCpuSeconds(),
    machine: machineTicks(),
  };
}

const delta = (a, b) => (a === null || b === null ? null : b - a);
const perSecond = (value, seconds) => (value === null ? null : value / seconds);

/**
 * start() before the measured window, stop(requests) after it. Figures are in cores (CPU
 * seconds per second) plus the server's CPU milliseconds per completed request.
 */
function cpuProbe(serverPid) {
  let before;
  return {
    start() {
      before = snapshot(serverPid);
    },
    stop(requests) {
      const after = snapshot(serverPid);
      const seconds = (after.at - before.at) / 1000;
      const server = delta(before.server, after.server);
      const machine =
        before.machine && after.machine
          ? ((after.machine.busy - before.machine.busy) /
              Math.max(1, after.machine.total - before.machine.total)) *
            os.cpus().length
          : null;
      const serverCores = perSecond(server, seconds);
      const benchCores = perSecond(delta(before.bench, after.bench), seconds);
      const postgresCores = perSecond(postgresDelta(before.postgres, after.postgres), seconds);
      return {
        serverCores,
        serverMsPerRequest: server === null || !requests ? null : (1000 * server) / requests,
        // The share of the server's CPU spent in the kernel (syscalls, loopback TCP).
        serverKernelShare:
          server > 0 ? delta(before.serverSystem, after.serverSystem) / server : null,
        benchCores,
        postgresCores,
        machineBusyCores: machine,
        // Everything else on the machine: other people's work, the kernel, noise.
        otherCores:
          machine === null
            ? null
            : Math.max(0, machine - (serverCores ?? 0) - benchCores - (postgresCores ?? 0)),
      };
    },
  };
}

module.exports = { cpuProbe };
