"""Shared fixtures: a migrated database per test on SQLite and on the real PostgreSQL.

SQLite: the schema is migrated once per session into a template file that each test copies.
PostgreSQL: one schema per session, migrated once, truncated before each test. Under
CI=true an unreachable PostgreSQL fails the run instead of skipping its tests.

Parallel runs (pytest-xdist; ./test.sh runs `pytest -n N --dist loadgroup`). Every worker is
its own pytest session, so session fixtures are per worker: each worker migrates its own
SQLite template and its own PostgreSQL schema. Workers share the machine, the PostgreSQL
database, the NATS and Redis servers, the working directory and each other's timing, and
other people's test runs may be on the same servers. A new test that uses any of them must
make its names its own:

- TCP ports: never a fixed port. A server in this process binds port 0 and reads the port
  back (tests/webhook_receiver.py); a server in a subprocess (uvicorn, nats-server, a browser
  test's app) gets `free_port()` and must fail loudly, not talk to someone else's server, if
  the port was taken meanwhile (check that the process is still alive once it answers).
- NATS on the shared server (`shared_nats_url`): a stream and subject prefix of its own,
  `unique_name("T")` (see tests/integration/test_nats.py); a server it kills is `private_nats`.
- Redis: every key under `tests.redis_support.unique_prefix()`. A server process a test
  starts with ORDERHUB_REDIS_URL uses the default prefix: its credentials' buckets are its
  own (random ids), but tenant "default"'s bucket is shared, so stay far below its burst.
- Files: under `tmp_path`, never the working directory. Settings() defaults `key_dir` to
  ./.orderhub; this conftest points ORDERHUB_KEY_DIR at a directory of this session (worker)
  so that keys, audit anchors and anomaly models written by a test never land in the
  checkout or in another worker's directory. A test that needs its own passes key_dir.
- Environment: `monkeypatch.setenv` (per worker process) for this process; a subprocess
  gets its variables in `env=`.
- Tests that truly cannot share the machine with another worker (none today): mark them
  `@pytest.mark.xdist_group("serial")`; loadgroup runs one group on one worker, one after
  the other (it does not stop the other workers, so prefer making names unique).
`WORKER` is this process's xdist worker id ("gw0", "gw1", ...; "main" without xdist).

The cyclic garbage collector (`SUITE_GC_THRESHOLDS`, pytest_configure and
pytest_collection_finish below): a worker holds millions of objects once it has imported
the code and collected the tests, and CPython's default young collection every 700 net
allocations, each promoting into ever costlier full collections of that heap, took about a
fifth of the suite's CPU. The workers collect less often and freeze what collection
built, as the servers do (bootstrap.settle_heap). Cycles are still collected, later.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from orderhub.adapters.db.engine import make_engine, normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.adapters.db.tables import metadata
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings

PG_URL = os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

# Test-only secrets (issue 12): every Settings() and CLI subprocess of the suite finds them.
os.environ.setdefault("ORDERHUB_MASTER_KEY", "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=")
os.environ.setdefault("ORDERHUB_AUDIT_KEY", "dGVzdC1hdWRpdC1rZXktLTAxMjM0NTY3ODlhYmNkZWY=")
# The CLI speaks the locale's language (cli/i18n.py): the suite asserts its English words.
os.environ["ORDERHUB_LANG"] = "en"
# The CLI's rich consoles (orderhub.cli.common) fix their width from COLUMNS when made, at
# import; unfixed, they read COLUMNS at each print, so the COLUMNS=200 that tests give
# CliRunner makes tables wide enough to show ids. pytest-xdist workers start with COLUMNS=80
# set: drop it before anything imports the CLI.
os.environ.pop("COLUMNS", None)
# The key directory of this session (worker), not ./.orderhub (see the module doc).
_KEY_DIR = tempfile.mkdtemp(prefix=f"orderhub-test-keys-{WORKER}-")
atexit.register(shutil.rmtree, _KEY_DIR, True)
os.environ["ORDERHUB_KEY_DIR"] = _KEY_DIR


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now, for a server in another process. The kernel
    picks it (not a range of ours), so workers and other test runs do not collide."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique_name(prefix: str = "") -> str:
    """A name no other test, worker or run uses: NATS streams and subjects, and the like."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def _pg_available() -> str | None:
    try:
        eng = create_engine(normalise_url(PG_URL), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    problem = _pg_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        cleaner = _CLEANERS.pop(url, None)
        if cleaner is not None:
            cleaner.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


_CLEANERS: dict[str, Engine] = {}
# One query names the tables that hold rows (a test touches a few of the 50).
_NON_EMPTY = " UNION ALL ".join(
    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in metadata.sorted_tables)


def _truncate_pg(url: str) -> None:
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY
    CASCADE of all tables would, then add the default tenant. TRUNCATE of 50 tables makes
    new files for each (0.5-2 s a test on the loaded test machine); deleting the rows of the
    tables that have any takes a few ms (the schema has no triggers to fire)."""
    engine = _CLEANERS.get(url)
    if engine is None:
        engine = _CLEANERS[url] = make_engine(url)
    with engine.begin() as conn:
        non_empty = {name for (name,) in conn.execute(text(_NON_EMPTY))}
        for table in reversed(metadata.sorted_tables):  # rows that refer to others first
            if table.name in non_empty:
                conn.execute(text(f'DELETE FROM "{table.name}"'))
        used = conn.execute(text(
            "SELECT sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).scalars().all()
        for sequence in used:  # all of them belong to id columns (serial)
            conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        conn.execute(
            text(
                "INSERT INTO tenants (id, name, created_at) "
                "VALUES ('default', 'Default tenant', now())"
            )
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "orderhub.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_schema_url")
    _truncate_pg(url)
    return url


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))


@pytest.fixture
def hub(database_url: str, clock: Clock) -> Iterator[Hub]:
    # The tests' webhook receivers listen on 127.0.0.1.
    h = bootstrap(Settings(database_url=database_url, webhook_allow_private_targets=True),
                  clock=clock)
    yield h
    h.close()


# ----- NATS ---------------------------------------------------------------------------------
NATS_BINARY = shutil.which("nats-server") or "/usr/sbin/nats-server"
SHARED_NATS_URL = os.environ.get("ORDERHUB_TEST_NATS_URL", "nats://127.0.0.1:4222")


class PrivateNats:
    """A nats-server with JetStream that a test owns: it can kill and restart it."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        import time

        self.proc = subprocess.Popen(
            [NATS_BINARY, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:  # e.g. the port was taken since free_port()
                raise RuntimeError(f"private nats-server exited ({self.proc.returncode})")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("private nats-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    if not Path(NATS_BINARY).exists():
        if IN_CI:
            pytest.fail(f"nats-server binary not found at {NATS_BINARY} (required under CI=true)")
        pytest.skip("nats-server binary not installed")
    server = PrivateNats(tmp_path / "jetstream")
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def shared_nats_url() -> str:
    host, port = SHARED_NATS_URL.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(2)
        if s.connect_ex((host, int(port))) != 0:
            if IN_CI:
                pytest.fail(f"NATS at {SHARED_NATS_URL} is required under CI=true")
            pytest.skip(f"NATS not reachable at {SHARED_NATS_URL}")
    return SHARED_NATS_URL


@pytest.fixture(autouse=True)
def _cli_language_restored() -> Iterator[None]:
    """The CLI's chosen language is process state (a `--lang zh` run sets it): each test
    leaves it as it found it, so a later test in the same worker reads English help."""
    from orderhub.cli import i18n

    before = i18n._chosen
    yield
    i18n._chosen = before



# Young collections every 50,000 net allocations (CPython: 700), as bootstrap.GC_THRESHOLDS;
# tests/unit/test_intake_cpu_paths.py resets CPython's default before it checks settle_heap.
SUITE_GC_THRESHOLDS = (50_000, 10, 10)


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*SUITE_GC_THRESHOLDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What importing and collecting built lives until the session ends: out of the
    collector's way (one full collection first, so no garbage is frozen with it)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` sends a group's tests to one worker by a `@<group>` suffix on each
    test's id, which pytest-xdist 3.8 writes to `item._nodeid`; pytest 9.2 keeps the id in
    `item._id`, so the suffix was lost and every browser module built its console (demo,
    server, Chromium) on all three workers at once (timeouts at a busy start). Put the
    suffix where pytest now reads it; a no-op where xdist's own tagging still works."""
    # on a worker xdist says so in its own `loadgroup` value (its `dist` is not passed on)
    grouped = config.getoption("loadgroup", False) or config.getoption("dist", "") == "loadgroup"
    if not grouped or not items or not hasattr(items[0], "_id"):
        return
    from _pytest.nodes import coerce_node_id

    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        if names and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(names)}")
