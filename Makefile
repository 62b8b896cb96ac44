# The two commands of the README, and a few conveniences.
.PHONY: run test bench sdl stop

run:   ## the whole stack: Redis, HAPI FHIR with demo data, the gateway with GraphiQL
	scripts/run.sh

test:  ## lint, types, import contracts and every test, against real HAPI FHIR and Redis
	scripts/test.sh

bench: ## benchmarks (python -m bench)
	.venv/bin/python -m bench

sdl:   ## rewrite schema.graphql from the code
	.venv/bin/python -m gateway sdl schema.graphql

stop:  ## stop servers left running by `PORTAL_KEEP_SERVICES=1 make run`
	scripts/fhir_server.sh stop --port 8080; scripts/redis.sh stop --port 6380
