#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy), then pytest on SQLite and PostgreSQL.
# PostgreSQL tests use ORDERHUB_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test);
# they are skipped when it is unreachable, and fail under CI=true.
# pytest runs in ORDERHUB_TEST_WORKERS processes (pytest-xdist, default 3; 0 runs it in this
# process); tests/conftest.py says how tests keep out of each other's way. Extra arguments go
# to pytest (a later -n overrides this one).
set -euo pipefail
cd "$(dirname "$0")"
scripts/venv.sh dev
# The console's browser tests drive Debian's Chromium (never `playwright install`).
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
command -v chromium >/dev/null 2>&1 || {
  echo "== installing chromium (browser tests)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}
# A Chinese font, so the screenshots the browser tests save show the Chinese labels (best
# effort: the tests read the page's text, not its pixels).
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || {
  echo "== installing a Chinese font (screenshots)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-microhei ||
    echo "(no Chinese font: screenshots show boxes for Chinese text)"
}
echo "== ruff"; .venv/bin/ruff check src tests benchmarks
echo "== mypy"
# Meanwhile, on the core mypy leaves idle: compile the code and pytest's rewritten test
# modules once (a collection that writes its bytecode), so that each pytest worker and each
# process a test starts reads them instead of compiling its own (each worker saved ~6 s of
# CPU; they would compile their own under PYTHONDONTWRITEBYTECODE, and all at once anyway).
(PYTHONDONTWRITEBYTECODE="" .venv/bin/python -m pytest --collect-only -q -p no:cacheprovider \
  >/dev/null 2>&1 || true) &
warm=$!
.venv/bin/mypy
wait "$warm" || true
echo "== pytest"
.venv/bin/pytest -n "${ORDERHUB_TEST_WORKERS:-3}" --dist loadgroup "$@"
