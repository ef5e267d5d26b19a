#!/usr/bin/env bash
# Installs the portal in a virtual environment, fills a SQLite database with demo data and
# serves it on http://127.0.0.1:8000/ with a background worker.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
# Background tasks (bulk PDF reports, e-mails, printed on this console) run in a worker beside
# the web server, stopped with it.
.venv/bin/python manage.py db_worker --no-reload &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT
.venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
