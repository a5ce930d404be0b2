// Everything the benchmark starts registers how to undo it here; the undo runs in reverse
// order on normal exit, on failure and on Ctrl-C (a second Ctrl-C exits at once).

const tasks = [];
let running;
let interrupted = false;

/** Registers an undo step; returns a function that runs it early (and only once). */
function onCleanup(label, fn) {
  const task = { label, fn, done: false };
  tasks.push(task);
  return () => runTask(task);
}

async function runTask(task) {
  if (task.done) return;
  task.done = true;
  try {
    await task.fn();
  } catch (error) {
    console.error(`cleanup: ${task.label} failed: ${error.message}`);
  }
}

/** Runs every pending undo step, newest first. */
function runCleanup() {
  running ??= (async () => {
    while (tasks.length > 0) await runTask(tasks.pop());
  })();
  return running;
}

function installSignalHandlers() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping child processes and dropping the bench database`);
      runCleanup().finally(() => process.exit(130));
    });
  }
}

/** True once Ctrl-C (or SIGTERM) has started the cleanup; later failures are its echoes. */
const wasInterrupted = () => interrupted;

module.exports = { onCleanup, runCleanup, installSignalHandlers, wasInterrupted };
