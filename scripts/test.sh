#!/usr/bin/env bash
# The test command (`make test`): bootstrap, start what is not running (reusing what is), run the checks and
# the whole test suite against the real HAPI FHIR server and a real Redis, then stop what this run started.
#   scripts/test.sh [pytest args...]        (make test ARGS="-k idempotency -x")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
t0=$SECONDS

scripts/bootstrap.sh

source scripts/ports.sh
REDIS_PORT="$PORTAL_TEST_REDIS_PORT"
FHIR_PORT="$PORTAL_TEST_FHIR_PORT"
# The tests write; they must never write into the development stack's servers.
if [ "$FHIR_PORT" = "$PORTAL_RUN_FHIR_PORT" ] || [ "$REDIS_PORT" = "$PORTAL_RUN_REDIS_PORT" ]; then
  echo "test: the test servers must not be the ones of make run (ports $PORTAL_RUN_FHIR_PORT, $PORTAL_RUN_REDIS_PORT)" >&2
  exit 2
fi
export PORTAL_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export PORTAL_FHIR_BASE_URL="http://127.0.0.1:$FHIR_PORT/fhir"

started_redis=no; started_fhir=no
cleanup() {
  [ "$started_fhir" = yes ] && scripts/fhir_server.sh stop --port "$FHIR_PORT" || true
  [ "$started_redis" = yes ] && scripts/redis.sh stop --port "$REDIS_PORT" || true
}
trap cleanup EXIT

if ! scripts/redis.sh status --port "$REDIS_PORT" >/dev/null 2>&1; then
  scripts/redis.sh start --port "$REDIS_PORT"; started_redis=yes
fi
if ! scripts/fhir_server.sh status --port "$FHIR_PORT" >/dev/null 2>&1; then
  scripts/fhir_server.sh start --profile test --port "$FHIR_PORT"; started_fhir=yes
else
  echo "fhir-server: reusing the server on 127.0.0.1:$FHIR_PORT"
fi
echo "test: services ready after $((SECONDS - t0)) s"

echo "test: ruff, mypy, import contracts"
.venv/bin/ruff check --quiet .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache

status=0
.venv/bin/pytest "$@" || status=$?
echo "test: finished in $((SECONDS - t0)) s"
exit "$status"
