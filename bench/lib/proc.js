// Small process and network helpers: free ports, resident memory, bounded waiting.

const { readFileSync } = require('node:fs');
const net = require('node:net');
const { setTimeout: sleep } = require('node:timers/promises');

/** A port that was free on 127.0.0.1 a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Memory of a process in MB from /proc/<pid>/status: VmRSS and its parts; null if gone. */
function memoryMb(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : null;
  };
  return {
    rss: field('VmRSS'),
    anon: field('RssAnon'), // heaps: V8, malloc (argon2's 19 MiB blocks), buffers
    file: field('RssFile'), // mapped code: node, native addons
    hwm: field('VmHWM'), // the peak RSS so far
  };
}

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status), or null if gone. */
function rssMb(pid) {
  return memoryMb(pid)?.rss ?? null;
}

/** Resolves when the child exits, or after `ms` with false. */
function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
async function stopChild(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return;
  console.error(`pid ${child.pid} ignored SIGTERM for ${graceMs} ms; killing it`);
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

/** Keeps the last lines a child wrote, for error messages. */
function captureOutput(stream, lines, max = 40) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (lines.length > max) lines.shift();
    }
  });
}

module.exports = { freePort, memoryMb, rssMb, waitForExit, stopChild, captureOutput, sleep };
