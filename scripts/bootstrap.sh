#!/usr/bin/env bash
# Everything both commands need on a fresh machine: the Python venv with the project installed, Debian's
# redis-server and chromium (browser tests), the pinned npm packages, and Java 17 + Maven for fhir-server/.
# Re-running is cheap: each step is skipped when done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "bootstrap: Python 3.11+ is required" >&2; exit 1; }

# The venv is reinstalled only when pyproject.toml changed (its hash is stamped inside the venv).
stamp=".venv/.pyproject.sha256"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing the Python environment (.venv)"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$want" > "$stamp"
fi

if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing redis-server (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # The package starts a system service on 6379; the project runs its own servers instead.
    (service redis-server stop || systemctl stop redis-server) >/dev/null 2>&1 || true
  else
    echo "bootstrap: redis-server is missing. Install it as root: apt-get install redis-server" >&2; exit 1
  fi
fi

# Node (>= 18) runs the GraphQL-over-HTTP audit (tests/conformance); its npm packages are pinned by the
# lockfile there and installed again only when it changes.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing nodejs and npm (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "bootstrap: Node 18+ and npm are missing. Install them as root: apt-get install nodejs npm" >&2; exit 1
  fi
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)' || { echo "bootstrap: Node 18+ is required" >&2; exit 1; }
# Each folder's packages are pinned by its lockfile and installed again only when it changes:
# tests/conformance (the GraphQL-over-HTTP audit), gateway/devtools/assets (GraphiQL, React and the explorer
# plugin that the development IDE serves itself), tests/codegen (GraphQL Code Generator and TypeScript).
npm_folder() {
  local folder="$1" what="$2"
  local stamp="$folder/node_modules/.package-lock.sha256"
  local want; want="$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing $what (npm ci in $folder)"
    npm ci --prefix "$folder" --no-audit --no-fund --silent
    echo "$want" > "$stamp"
  fi
}
npm_folder tests/conformance "the conformance audit"
npm_folder gateway/devtools/assets "GraphiQL for development"
npm_folder tests/codegen "the typed-client check"

# Headless Chromium for the browser tests (tests/browser), from Debian's package: no step downloads a browser.
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing chromium (Debian package) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    # Only the browser tests need it (they fail saying so): `make run` works without.
    echo "bootstrap: chromium is missing; the browser tests need it. As root: apt-get install chromium" >&2
  fi
fi

command -v java >/dev/null || { echo "bootstrap: Java 17+ is required (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "bootstrap: Maven is required (apt-get install maven)" >&2; exit 1; }
exit 0
