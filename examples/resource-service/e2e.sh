#!/usr/bin/env bash
# The resource service's e2e test as CI runs it: pack packages/resource-server (prepack builds
# it), copy this service into a temporary directory next to the tarball (away from the
# repository's node_modules), install it from the tarball and the registry, build it, and run
# its test against the repository's built Latch (dist/src/main.js): on the PostgreSQL of
# DATABASE_URL (a database of its own; skipped when unset) and on the embedded database, at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/latch-resource-service.XXXXXX")"
# RESOURCE_SERVICE_KEEP=1 keeps the directory (the installed service and the logs).
trap '[ -n "${RESOURCE_SERVICE_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
started=$SECONDS
step() { echo "--- resource service: $1 ($((SECONDS - started)) s)"; }

step "Latch built (dist/src/main.js)"
(cd "$repo" && node scripts/build-if-needed.js)

step "npm pack packages/resource-server"
(cd "$repo/packages/resource-server" && npm pack --pack-destination "$work" >"$work/pack.log" 2>&1) || {
  cat "$work/pack.log"
  exit 1
}
mkdir -p "$work/examples"
tar -C "$repo/examples" --exclude=resource-service/node_modules --exclude=resource-service/dist \
  -cf - resource-service | tar -C "$work/examples" -xf -
cd "$work/examples/resource-service"

step "npm install (@latch/resource-server from $(ls "$work"/latch-resource-server-*.tgz | xargs -n1 basename))"
npm install --no-audit --no-fund --loglevel=error --prefer-offline
# One copy of each Nest package, or Nest's dependency injection breaks.
for name in @nestjs/core @nestjs/common jose; do
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
  LATCH_REPO="$repo" timeout 300 npm test --silent >"$work/postgres.log" 2>&1 &
  pids+=("$!:postgres")
fi
env -u DATABASE_URL LATCH_REPO="$repo" timeout 300 npm test --silent >"$work/embedded.log" 2>&1 &
pids+=("$!:embedded")
failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*} name=${entry#*:}
  if wait "$pid"; then status=passed; else status=FAILED failed=1; fi
  echo "=== resource service on $name: $status"
  cat "$work/$name.log"
done
step "done"
exit "$failed"
