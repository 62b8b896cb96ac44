#!/usr/bin/env bash
# `make stop`: stop the servers the project's scripts started and left running (`PORTAL_KEEP_SERVICES=1 make run`,
# or a test run that was interrupted), on the ports of scripts/ports.sh. Servers they did not start are left alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/ports.sh
scripts/fhir_server.sh stop --port "$PORTAL_RUN_FHIR_PORT"
scripts/redis.sh stop --port "$PORTAL_RUN_REDIS_PORT"
scripts/fhir_server.sh stop --port "$PORTAL_TEST_FHIR_PORT"
scripts/redis.sh stop --port "$PORTAL_TEST_REDIS_PORT"
scripts/fhir_server.sh stop --port "$PORTAL_BENCH_FHIR_PORT"
scripts/redis.sh stop --port "$PORTAL_BENCH_REDIS_PORT"
