#!/usr/bin/env bash
# Quick start: install into .venv, migrate the embedded SQLite database (./orderhub.db),
# load the demo data set on first run, and serve the API on http://127.0.0.1:8000 (/docs).
set -euo pipefail
cd "$(dirname "$0")"
scripts/venv.sh
exec .venv/bin/orderhub serve --demo "$@"
