#!/usr/bin/env bash
# Installs the portal in a virtual environment, fills a SQLite database with demo data and
# serves it on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
exec .venv/bin/python manage.py runserver "${PORT:-127.0.0.1:8000}"
