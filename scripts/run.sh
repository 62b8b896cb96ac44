#!/usr/bin/env bash
# The run command (`make run`): bootstrap, start Redis (with AOF) and HAPI FHIR (H2 file database), load the
# synthetic practice, and serve the gateway with GraphiQL on http://127.0.0.1:8000/graphql.
# Ctrl-C stops the gateway and the servers this run started (PORTAL_KEEP_SERVICES=1 leaves them running).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/bootstrap.sh

source scripts/ports.sh
REDIS_PORT="$PORTAL_RUN_REDIS_PORT"
FHIR_PORT="$PORTAL_RUN_FHIR_PORT"
export PORTAL_ENVIRONMENT="${PORTAL_ENVIRONMENT:-development}"
export PORTAL_REDIS_URL="${PORTAL_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}"
export PORTAL_FHIR_BASE_URL="${PORTAL_FHIR_BASE_URL:-http://127.0.0.1:$FHIR_PORT/fhir}"
export PORTAL_PORT

started_redis=no; started_fhir=no
cleanup() {
  [ "${PORTAL_KEEP_SERVICES:-0}" = 1 ] && return 0
  [ "$started_fhir" = yes ] && scripts/fhir_server.sh stop --port "$FHIR_PORT" || true
  [ "$started_redis" = yes ] && scripts/redis.sh stop --port "$REDIS_PORT" || true
}
trap cleanup EXIT

if ! scripts/redis.sh status --port "$REDIS_PORT" >/dev/null 2>&1; then
  scripts/redis.sh start --port "$REDIS_PORT" --aof; started_redis=yes
fi
if ! scripts/fhir_server.sh status --port "$FHIR_PORT" >/dev/null 2>&1; then
  scripts/fhir_server.sh start --profile run --port "$FHIR_PORT"; started_fhir=yes
fi

.venv/bin/python -m fixtures load --base-url "$PORTAL_FHIR_BASE_URL"
# Demo portal accounts for the fixture patients (development only; idempotent). See README "Signing in".
.venv/bin/python -m gateway seed-demo-accounts

cat <<MSG

  portal-gateway is up (development):
    GraphiQL   http://127.0.0.1:$PORTAL_PORT/graphql   (the Sign in panel is open: press Sign in, run Me)
    portal     http://127.0.0.1:$PORTAL_PORT/portal    (the reference page; docs/frontend/getting-started.md)
    health     http://127.0.0.1:$PORTAL_PORT/healthz   readiness http://127.0.0.1:$PORTAL_PORT/readyz
    FHIR       $PORTAL_FHIR_BASE_URL
    Sign in:   mutation { signIn(username: "maria.lopez", password: "correct horse battery staple 1") { __typename } }
    Then:      { viewer { account { username } } patient(id: "pat-maria-lopez") { name { family given } birthDate } }
    (demo accounts: .venv/bin/python -m fixtures accounts; mail lands in var/outbox/)

MSG
.venv/bin/python -m gateway serve
