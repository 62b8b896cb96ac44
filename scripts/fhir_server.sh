#!/usr/bin/env bash
# Build, start, stop and inspect the local HAPI FHIR JPA server (module fhir-server/).
#
#   scripts/fhir_server.sh build
#   scripts/fhir_server.sh start [--profile test|run|postgres] [--port N] [--graphql] [--timeout S]
#   scripts/fhir_server.sh stop [--port N]
#   scripts/fhir_server.sh status [--port N]
#
# Environment: PORTAL_RUN_FHIR_PORT (default port, 8080; scripts/ports.sh), PORTAL_CACHE_DIR (jar cache, default ~/.cache/portal-gateway),
# FHIR_SERVER_JAVA_OPTS (JVM flags), FHIR_SERVER_START_TIMEOUT (seconds, 240), FHIR_SERVER_DATA_DIR
# (H2 file location for --profile run, default <repo>/var/hapi-data). Details: docs/fhir-server.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/fhir-server"
CACHE_DIR="${PORTAL_CACHE_DIR:-$HOME/.cache/portal-gateway}"
LOG_DIR="$ROOT/var/log"
RUN_DIR="$ROOT/var/run"
DATA_DIR="${FHIR_SERVER_DATA_DIR:-$ROOT/var/hapi-data}"
# Measured on a 2-core machine: SerialGC starts faster and uses ~20% less memory than G1 here; C1-only
# (TieredStopAtLevel=1) saved CPU but no wall time, and would slow the server down in benchmarks.
JAVA_OPTS_DEFAULT="-Xmx1g -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"
KEEP_JARS=3 # cached jars kept (each is ~300 MB)

source "$ROOT/scripts/ports.sh"
PORT="$PORTAL_RUN_FHIR_PORT"
PROFILE="test"
GRAPHQL=""
TIMEOUT="${FHIR_SERVER_START_TIMEOUT:-240}"
STOP_GRACE=20

log() { printf 'fhir-server: %s\n' "$*"; }
die() { printf 'fhir-server: ERROR: %s\n' "$*" >&2; exit 1; }
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

parse_args() {
	while [[ $# -gt 0 ]]; do
		case "$1" in
			--port) PORT="${2:?--port needs a value}"; shift 2 ;;
			--port=*) PORT="${1#*=}"; shift ;;
			--profile) PROFILE="${2:?--profile needs a value}"; shift 2 ;;
			--profile=*) PROFILE="${1#*=}"; shift ;;
			--graphql) GRAPHQL="true"; shift ;;
			--timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
			-h | --help) usage; exit 0 ;;
			*) die "unknown argument: $1 (see --help)" ;;
		esac
	done
	[[ "$PORT" =~ ^[0-9]+$ ]] || die "port must be a number: $PORT"
	[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "timeout must be whole seconds: $TIMEOUT"
	case "$PROFILE" in test | run | postgres) ;; *) die "profile must be test, run or postgres: $PROFILE" ;; esac
}

base_url() { printf 'http://127.0.0.1:%s/fhir' "$PORT"; }
answers() { curl -fsS -o /dev/null --max-time 3 "$(base_url)/metadata" 2>/dev/null; }
pid_file() { printf '%s/fhir-server-%s.pid' "$RUN_DIR" "$PORT"; }
log_file() { printf '%s/fhir-server-%s.log' "$LOG_DIR" "$PORT"; }

# The pid in our pid file, if that process is alive and still is our java (guards against pid reuse).
our_pid() {
	local f pid
	f="$(pid_file)"
	[[ -f "$f" ]] || return 1
	pid="$(cat "$f")"
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'fhir-server-.*\.jar' || return 1
	printf '%s' "$pid"
}

# Content hash of everything that goes into the jar; paths are relative so any clone gets the same hash.
module_hash() {
	(
		cd "$MODULE"
		find pom.xml src -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
		done
	) | sha256sum | cut -c1-16
}

# Prints the path of an up-to-date jar on stdout (messages go to stderr), building it if needed.
cmd_build() {
	local t0 hash jar mvn_log
	t0="$(now)"
	command -v java >/dev/null || die "java not found (Java 17+ is needed)"
	hash="$(module_hash)"
	jar="$CACHE_DIR/fhir-server-$hash.jar"
	mkdir -p "$CACHE_DIR"
	# One build at a time, even when several test runs start servers on different ports at once.
	exec 9>"$CACHE_DIR/fhir-server-build.lock"
	flock 9
	if [[ -f "$jar" ]]; then
		log "jar up to date (cache hit, module hash $hash): $jar [$(since "$t0") s]" >&2
	else
		command -v mvn >/dev/null || die "mvn not found (Maven is needed to build fhir-server/)"
		mvn_log="$LOG_DIR/fhir-server-build.log"
		mkdir -p "$LOG_DIR"
		log "module changed (hash $hash): building with Maven, log in $mvn_log" >&2
		# Offline first: with a warm ~/.m2 that needs no network. Only a missing artifact sends it online.
		if (cd "$MODULE" && mvn -B -q -o package) >"$mvn_log" 2>&1; then
			log "built offline (mvn -o package)" >&2
		elif grep -q 'offline mode' "$mvn_log"; then
			log "the local Maven repository lacks artifacts; building online (a first build downloads ~450 MB)" >&2
			(cd "$MODULE" && mvn -B -q package) >"$mvn_log" 2>&1 || {
				tail -n 40 "$mvn_log" >&2
				die "Maven build failed (full log: $mvn_log)"
			}
		else
			tail -n 40 "$mvn_log" >&2
			die "Maven build failed (full log: $mvn_log)"
		fi
		cp "$MODULE/target/portal-fhir-server.jar" "$jar.tmp.$$"
		mv "$jar.tmp.$$" "$jar"
		# Keep the newest few jars only (names are ours: fhir-server-<hex>.jar, so ls is safe here).
		# shellcheck disable=SC2012
		ls -1t "$CACHE_DIR"/fhir-server-*.jar 2>/dev/null | tail -n +$((KEEP_JARS + 1)) | xargs -r rm -f
		log "built $jar [$(since "$t0") s]" >&2
	fi
	flock -u 9
	printf '%s\n' "$jar"
}

cmd_start() {
	local t0 jar pid logf java_opts deadline
	if answers; then
		log "reusing the server already answering at $(base_url) (its profile and switches are not checked)"
		return 0
	fi
	jar="$(cmd_build)"
	mkdir -p "$LOG_DIR" "$RUN_DIR"
	logf="$(log_file)"
	read -r -a java_opts <<<"${FHIR_SERVER_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}"
	local args=("--server.port=$PORT" "--spring.profiles.active=$PROFILE")
	if [[ "$PROFILE" == "run" ]]; then
		mkdir -p "$DATA_DIR"
		args+=("--portal.fhir.data-dir=$DATA_DIR")
	fi
	[[ -n "$GRAPHQL" ]] && args+=("--portal.fhir.graphql-enabled=true")
	t0="$(now)"
	# setsid: the server outlives the shell that started it (tests reuse it); stop it with `stop`.
	(cd "$ROOT" && exec setsid java "${java_opts[@]}" -jar "$jar" "${args[@]}" </dev/null >"$logf" 2>&1) &
	pid=$!
	disown "$pid" # no job-status noise from this shell
	printf '%s\n' "$pid" >"$(pid_file)"
	log "started pid $pid (profile $PROFILE, port $PORT${GRAPHQL:+, \$graphql on}), log $logf"
	deadline=$((SECONDS + TIMEOUT))
	until answers; do
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$(pid_file)"
			tail -n 40 "$logf" >&2
			die "server exited before it was ready (log above: $logf)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 40 "$logf" >&2
			terminate "$pid"
			rm -f "$(pid_file)"
			die "server not ready after ${TIMEOUT} s; stopped it (log above: $logf)"
		fi
		sleep 1
	done
	log "ready at $(base_url) in $(since "$t0") s"
}

# TERM, then KILL after the grace period. (A JVM still starting up ignores TERM until Spring has finished
# starting, so the KILL matters there.)
terminate() {
	local pid="$1" i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < STOP_GRACE * 2; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	log "pid $pid still running after ${STOP_GRACE} s; sending KILL"
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
}

cmd_stop() {
	local pid
	if ! pid="$(our_pid)"; then
		rm -f "$(pid_file)"
		if answers; then
			log "a server answers on port $PORT but was not started by this script; leaving it alone"
		else
			log "no server started by this script on port $PORT"
		fi
		return 0
	fi
	terminate "$pid"
	rm -f "$(pid_file)"
	log "stopped pid $pid (port $PORT)"
}

cmd_status() {
	local pid
	if pid="$(our_pid)"; then
		log "pid $pid started by this script on port $PORT (log $(log_file))"
	else
		log "no server started by this script on port $PORT"
	fi
	if answers; then
		log "answering at $(base_url)"
	else
		log "not answering at $(base_url)"
		return 3
	fi
}

main() {
	local cmd="${1:-}"
	[[ $# -gt 0 ]] && shift
	parse_args "$@"
	case "$cmd" in
		build) cmd_build ;;
		start) cmd_start ;;
		stop) cmd_stop ;;
		status) cmd_status ;;
		-h | --help | help | "") usage ;;
		*) die "unknown command: $cmd (build|start|stop|status)" ;;
	esac
}

main "$@"
