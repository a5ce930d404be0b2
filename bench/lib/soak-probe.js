// Preloaded into the Latch process by `npm run soak` (`node --require bench/lib/soak-probe.js
// dist/src/main`), so the soak test can read the heap and the event-loop delay without any
// change to src/. Built-ins only. It talks over the extra pipe the soak test opens as file
// descriptor SOAK_PROBE_FD: one command per line in (`<command> <id>`), one JSON line out
// that repeats the id.
//
//   sample  -> process.memoryUsage() as it is, then a full GC and the heap used after it (the
//              live heap, free of the saw-tooth of garbage between collections), and the
//              event-loop delay since the previous sample
//   reset   -> restarts the whole-run delay histogram (the soak test sends it when the steady
//              phase begins, so start-up and calibration stay out of it)
//   total   -> the whole-run delay histogram since the last reset
//
// Event-loop delay is how late a 10 ms timer fires (0 on an idle loop), recorded in µs.
// It is measured here rather than with perf_hooks.monitorEventLoopDelay because that one
// records the whole timer interval (10 ms and more) and cannot leave out the probe's own
// forced GC, which this one does by moving the next tick's due time by the pause.
//
// Everything here is unref'd: the probe never keeps Latch alive or changes how it stops.

const fd = Number(process.env.SOAK_PROBE_FD);
if (Number.isInteger(fd) && fd > 2) {
  const net = require('node:net');
  const v8 = require('node:v8');
  const vm = require('node:vm');
  const { createHistogram, performance } = require('node:perf_hooks');

  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');

  const RESOLUTION_MS = 10;
  let window = createHistogram();
  const total = createHistogram();
  let due = performance.now() + RESOLUTION_MS;
  const tick = () => {
    const now = performance.now();
    const lateUs = Math.max(1, Math.round((now - due) * 1000));
    window.record(lateUs);
    total.record(lateUs);
    due = now + RESOLUTION_MS;
    setTimeout(tick, RESOLUTION_MS).unref();
  };
  setTimeout(tick, RESOLUTION_MS).unref();

  const ms = (us) => us / 1000;
  const describe = (h) =>
    h.count === 0
      ? { count: 0, p50: null, p99: null, p999: null, max: null, mean: null }
      : {
          count: h.count,
          p50: ms(h.percentile(50)),
          p99: ms(h.percentile(99)),
          p999: ms(h.percentile(99.9)),
          max: ms(h.max),
          mean: ms(h.mean),
        };

  function sample() {
    const memory = process.memoryUsage();
    const eventLoopDelayMs = describe(window);
    window = createHistogram();
    const started = performance.now();
    gc();
    const ended = performance.now();
    // The forced GC is the probe's doing, not a delay of Latch's: the part of it after the
    // next tick was due moves that due time.
    due += Math.max(0, ended - Math.max(started, due));
    return {
      memory,
      heapAfterGc: v8.getHeapStatistics().used_heap_size,
      gcPauseMs: ended - started,
      eventLoopDelayMs,
    };
  }

  const socket = new net.Socket({ fd, readable: true, writable: true });
  socket.unref();
  socket.setEncoding('utf8');
  socket.on('error', () => undefined); // the soak test went away: nothing to report to
  let pending = '';
  socket.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const [command, id] = line.split(' ');
      let answer;
      if (command === 'sample') answer = sample();
      else if (command === 'reset') {
        total.reset();
        answer = { reset: true };
      } else if (command === 'total') answer = { eventLoopDelayMs: describe(total) };
      else answer = { error: `unknown command ${command}` };
      socket.write(`${JSON.stringify({ id, ...answer })}\n`);
    }
  });
}
