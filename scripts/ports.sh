# The project's loopback ports, in one place; each can be overridden by the variable of the same name.
# Sourced by the other scripts (and read by the Makefile through them). `make run` and `make test` never share
# a server: the tests get their own HAPI (in-memory) and Redis, so they cannot write into the development data.
PORTAL_PORT="${PORTAL_PORT:-8000}"                      # the gateway of `make run`
PORTAL_RUN_FHIR_PORT="${PORTAL_RUN_FHIR_PORT:-8080}"    # HAPI of `make run` (H2 file database under var/)
PORTAL_RUN_REDIS_PORT="${PORTAL_RUN_REDIS_PORT:-6380}"  # Redis of `make run` (AOF under var/)
PORTAL_TEST_FHIR_PORT="${PORTAL_TEST_FHIR_PORT:-8090}"  # HAPI of `make test` (in-memory H2)
PORTAL_TEST_REDIS_PORT="${PORTAL_TEST_REDIS_PORT:-6390}" # Redis of `make test` (no persistence)
PORTAL_BENCH_FHIR_PORT="${PORTAL_BENCH_FHIR_PORT:-8070}"  # HAPI of `make bench` (in-memory H2, $graphql on)
PORTAL_BENCH_REDIS_PORT="${PORTAL_BENCH_REDIS_PORT:-6370}" # Redis of `make bench` (no persistence)
