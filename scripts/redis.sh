#!/usr/bin/env bash
# Start/stop a loopback redis-server (Debian's) for the gateway.
#   scripts/redis.sh start [--port N] [--aof]   start unless one already answers on the port (default: make run's)
#   scripts/redis.sh stop  [--port N]           stop the one we started (pid file)
#   scripts/redis.sh status [--port N]
# --aof: append-only persistence under var/redis-<port>/ (the `run` stack); without it nothing is persisted (tests).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/ports.sh"
cmd="${1:-status}"; shift || true
port="$PORTAL_RUN_REDIS_PORT"; aof=no
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --aof) aof=yes; shift ;;
    *) echo "redis.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
pidfile="$ROOT/var/run/redis-$port.pid"
datadir="$ROOT/var/redis-$port"
up() { redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; }

case "$cmd" in
  start)
    if up; then echo "redis: reusing the server on 127.0.0.1:$port"; exit 0; fi
    command -v redis-server >/dev/null || { echo "redis: redis-server is missing; run scripts/bootstrap.sh" >&2; exit 1; }
    mkdir -p "$ROOT/var/run" "$ROOT/var/log" "$datadir"
    persistence=(--appendonly no --save "")
    [ "$aof" = yes ] && persistence=(--appendonly yes --appendfsync everysec --save "")
    redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes --daemonize yes \
      --pidfile "$pidfile" --logfile "$ROOT/var/log/redis-$port.log" --dir "$datadir" "${persistence[@]}"
    for _ in $(seq 1 50); do up && { echo "redis: started on 127.0.0.1:$port (aof=$aof)"; exit 0; }; sleep 0.1; done
    echo "redis: did not start; see var/log/redis-$port.log" >&2; exit 1 ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$pidfile"; echo "redis: stopped 127.0.0.1:$port"
    else
      echo "redis: no server of ours on port $port"
    fi ;;
  status)
    if up; then echo "redis: up on 127.0.0.1:$port"; else echo "redis: down on 127.0.0.1:$port"; exit 1; fi ;;
  *) echo "usage: scripts/redis.sh start|stop|status [--port N] [--aof]" >&2; exit 2 ;;
esac
