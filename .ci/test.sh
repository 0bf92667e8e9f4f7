#!/usr/bin/env bash
# Sets up a virtual environment with loopsource installed NON-editable (so the tests exercise
# the wheel's packaged ontology, shapes and queries), installs the system packages the browser
# test needs, and runs the whole test suite. This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser test ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is not installed and cannot be installed here; the browser test will fail" >&2
  fi
fi

# Virtuoso Open Source 7 (Debian): the second real SPARQL server of the remote-store tests
# (tests/store/servers.py starts it on 127.0.0.1 with its own database folder). Only the binaries
# package: the full 'virtuoso-opensource' asks for a dba password and starts a system service.
if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's virtuoso-opensource-7-bin for the SPARQL server tests ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource-7-bin >/dev/null
  else
    echo "warning: Virtuoso is not installed and cannot be installed here; under CI=true the server tests fail" >&2
  fi
fi

"$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q ".[test]"
# The oxigraph server binary comes with the 'oxigraph' package in .venv/bin; tests start it on 127.0.0.1.
export PATH="$PWD/.venv/bin:$PATH"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
