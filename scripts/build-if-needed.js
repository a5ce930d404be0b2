// `npm start` on a fresh clone: build once when dist/ is missing or older than src/.
const { execSync } = require('node:child_process');
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

const built = join(__dirname, '..', 'dist', 'src', 'main.js');
const sources = ['src', 'migrations'].map((d) => join(__dirname, '..', d));
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newestMtime))) {
  execSync('npm run build', { stdio: 'inherit', cwd: join(__dirname, '..') });
}
