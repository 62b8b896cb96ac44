# The two commands of the README, and a few conveniences. Ports: scripts/ports.sh.
.PHONY: run test bench sdl schema-baseline stop

run:   ## the whole stack: Redis, HAPI FHIR with demo data, the gateway with GraphiQL
	scripts/run.sh

test:  ## lint, types, import contracts and every test, against real HAPI FHIR and Redis (ARGS="..." for pytest)
	scripts/test.sh $(ARGS)

bench: ## the benchmarks: starts its own HAPI ($graphql on) and Redis, prints a verdict per target (python -m bench)
	scripts/bootstrap.sh
	.venv/bin/python -m bench

sdl:   ## rewrite schema.graphql from the code
	scripts/bootstrap.sh
	.venv/bin/python -m gateway sdl schema.graphql

schema-baseline: sdl ## move the breaking-change baseline to the current SDL, on purpose only (docs/frontend/schema-changes.md)
	{ sed -n '1,4p' schema-baseline.graphql; cat schema.graphql; } > schema-baseline.graphql.new
	mv schema-baseline.graphql.new schema-baseline.graphql

stop:  ## stop servers left running by `PORTAL_KEEP_SERVICES=1 make run` (or an interrupted test run)
	scripts/stop.sh
