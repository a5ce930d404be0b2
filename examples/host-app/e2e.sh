#!/usr/bin/env bash
# The host app's e2e test as CI runs it: pack the repository (prepack builds it), copy this app
# into a temporary directory next to the tarball (away from the repository's node_modules, so
# nothing resolves from there by accident), install it from the tarball and the registry, build
# it, and run its test on the PostgreSQL of DATABASE_URL (a database of its own; skipped when
# unset) and on the embedded database, both at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/latch-host-app.XXXXXX")"
# HOST_APP_KEEP=1 keeps the directory (the installed app and the logs) for a look afterwards.
trap '[ -n "${HOST_APP_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
started=$SECONDS
step() { echo "--- host app: $1 ($((SECONDS - started)) s)"; }

step "npm pack"
(cd "$repo" && npm pack --pack-destination "$work" >"$work/pack.log" 2>&1) || {
  cat "$work/pack.log"
  exit 1
}
mkdir -p "$work/examples"
tar -C "$repo/examples" --exclude=host-app/node_modules --exclude=host-app/dist \
  --exclude=host-app/.data -cf - host-app | tar -C "$work/examples" -xf -
cd "$work/examples/host-app"

step "npm install (latch from $(ls "$work"/latch-*.tgz | xargs -n1 basename))"
# Cached registry metadata first (CI has just run npm ci with the same packages).
npm install --no-audit --no-fund --loglevel=error --prefer-offline
# One copy of each Nest package, or Nest's dependency injection breaks.
for name in @nestjs/core @nestjs/common @nestjs/typeorm typeorm; do
  copies=$(find . -path "*/node_modules/$name/package.json" | wc -l)
  [ "$copies" -eq 1 ] || {
    echo "$name is installed $copies times" >&2
    exit 1
  }
done

step "build"
npm run build --silent

step "e2e tests"
pids=()
if [ -n "${DATABASE_URL:-}" ]; then
  timeout 300 npm test --silent >"$work/postgres.log" 2>&1 &
  pids+=("$!:postgres")
fi
env -u DATABASE_URL timeout 300 npm test --silent >"$work/embedded.log" 2>&1 &
pids+=("$!:embedded")
failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*} name=${entry#*:}
  if wait "$pid"; then status=passed; else status=FAILED failed=1; fi
  echo "=== host app on $name: $status"
  cat "$work/$name.log"
done
step "done"
exit "$failed"
