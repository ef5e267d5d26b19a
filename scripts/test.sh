#!/usr/bin/env bash
# Installs the portal and its test tools in a virtual environment and runs the test suite.
# DATABASE_URL picks the database (SQLite by default); extra arguments go to pytest. The tests
# run in one process per core (pytest-xdist, each with its own test database); `-n 0` runs them
# in this process.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
# The browser tests inject axe-core (npm) into pages and drive Debian's Chromium.
if [ -f package-lock.json ] && command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --silent
fi
status=0
.venv/bin/python -m pytest -n auto "$@" || status=$?
# pytest exits with 5 when it collected no test: nothing failed.
if [ "$status" -eq 5 ]; then status=0; fi
exit "$status"
