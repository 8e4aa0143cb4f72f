"""The command line for operators and scripts: every list or table command has --json,
ids are never cut, piped long commands print progress lines, start-up imports little."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from orderhub.cli.app import app

runner = CliRunner()
# Commands named so list things, whatever their code looks like.
LIST_NAMES = {"list", "sets", "blocks", "versions", "models", "roles", "history", "log",
              "status", "compare"}


def _leaves(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        ctx = typer.Context(command, info_name=path.split()[-1])
        for name in command.list_commands(ctx):
            yield from _leaves(command.get_command(ctx, name), f"{path} {name}")
    else:
        yield path, command


def _draws_a_table(callback: Any) -> bool:
    """The callback, or a function of the CLI it calls, builds a rich Table."""
    source = inspect.getsource(callback)
    texts = [source]
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", source)):
        fn = callback.__globals__.get(name)
        if inspect.isfunction(fn) and fn.__module__.startswith("orderhub.cli"):
            texts.append(inspect.getsource(fn))
    return any("Table(" in text for text in texts)


def test_every_list_or_table_command_has_json() -> None:
    root = typer.main.get_command(app)
    leaves = dict(_leaves(root, "orderhub"))
    assert len(leaves) > 60 and "orderhub order list" in leaves
    tables = [p for p, cmd in leaves.items()
              if p.split()[-1] in LIST_NAMES or _draws_a_table(cmd.callback)]
    assert "orderhub stock" in tables and "orderhub warehouse list" in tables
    missing = [p for p in tables
               if not any("--json" in param.opts for param in leaves[p].params)]
    assert missing == [], f"list/table commands without --json: {missing}"


def run(*args: str, db: str, columns: int = 200) -> tuple[int, str]:
    result = runner.invoke(app, [*args], env={"ORDERHUB_DATABASE_URL": db,
                                              "COLUMNS": str(columns)})
    return result.exit_code, result.output


@pytest.fixture
def small_hub(database_url: str) -> str:
    assert run("db", "upgrade", db=database_url)[0] == 0
    assert run("demo-data", "--skus", "60", db=database_url)[0] == 0
    code, out = run("simulate", "--orders", "40", "--batch-size", "20", db=database_url)
    assert code == 0, out
    return database_url


def test_ids_are_whole_at_80_columns_and_show_takes_a_prefix(small_hub: str) -> None:
    db = small_hub
    code, out = run("order", "list", "--limit", "5", db=db, columns=80)
    assert code == 0, out
    ids = re.findall(r"\bord_[0-9a-f]{32}\b", out)
    assert len(ids) == 5, out
    code, out = run("order", "list", "--limit", "5", "--json", db=db)
    assert code == 0
    assert [o["id"] for o in json.loads(out)] == ids
    # an unambiguous beginning is enough
    code, out = run("order", "show", ids[0][:-6], db=db)
    assert code == 0, out
    assert ids[0] in out
    # a beginning several ids share: which ones, and what to do
    code, out = run("order", "show", "ord_", db=db)
    assert code == 1
    assert "several order ids" in out and "give more characters" in out
    code, out = run("order", "show", "ord_ffffffff", db=db)
    assert code == 1 and "not found" in out
    # every beginning of an id finds it (or says it is ambiguous), whatever its last
    # character: digits, letters, the underscore
    from orderhub.bootstrap import bootstrap
    from orderhub.domain.errors import InvalidInput
    from orderhub.services.orders.views import resolve_order_id

    with bootstrap(database_url=db) as hub:
        for oid in ids[:2]:
            for n in range(3, len(oid) + 1):
                try:
                    assert resolve_order_id(hub.read_uow, "default", oid[:n]) == oid
                except InvalidInput as exc:
                    assert "several order ids" in str(exc.errors[0].message) and n < len(oid)


def test_json_and_csv_are_stable_and_plain(small_hub: str) -> None:
    db = small_hub
    code, out = run("order", "list", "--limit", "3", "--json", db=db)
    doc = json.loads(out)
    assert code == 0 and isinstance(doc[0]["totals"]["grand_total"], str)  # Decimal: string
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", doc[0]["created_at"])
    code, out = run("order", "list", "--limit", "3", "--csv", db=db)
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("id,channel,external_id,status,grand_total")
    assert len(lines) == 4
    code, out = run("stock", "SKU-00001", "--json", db=db)
    assert code == 0 and {"warehouse", "on_hand", "atp"} <= set(json.loads(out)[0])
    code, out = run("warehouse", "list", "--csv", db=db)
    assert code == 0 and out.startswith("code,province,active")
    code, out = run("order", "list", "--json", "--csv", db=db)
    assert code == 2 and "choose one" in out


def test_simulate_counts_events_from_the_database(small_hub: str) -> None:
    """A second run, another process's relay: the stored count includes the first run's."""
    code, out = run("simulate", "--orders", "20", "--batch-size", "20", "--json",
                    db=small_hub)
    assert code == 0, out
    events = json.loads(out[out.index("{"):])["events"]
    assert events["published"] > events["published_this_run"] > 0
    assert events["pending"] == 0


def _orderhub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from orderhub.cli.app import main; main()",
                           *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_piped_long_commands_print_progress_lines(tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path}/p.db"
    env = {"ORDERHUB_DATABASE_URL": db, "ORDERHUB_PROGRESS_SECONDS": "0.05"}
    assert _orderhub("demo-data", "--skus", "60", env=env).returncode == 0
    done = _orderhub("simulate", "--orders", "60", "--batch-size", "10", env=env)
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("orders: ")]
    assert len(lines) >= 3 and lines[-1].startswith("orders: 60/60 (100%)"), done.stderr
    assert "━" not in done.stderr and "\x1b[" not in done.stdout  # no bar, no colours
    wave = _orderhub("routing", "wave", "--dry-run", env=env)
    assert wave.returncode == 0, wave.stderr
    assert "orders in the wave" in wave.stdout
    assert "HiGHS 1." not in wave.stdout + wave.stderr  # no solver banner


def test_a_step_without_a_count_writes_a_line_every_interval() -> None:
    import io
    import time

    from orderhub.cli.progress import Heartbeat

    out = io.StringIO()
    with Heartbeat(out, "optimising the wave (HiGHS)", every_seconds=0.05):
        time.sleep(0.3)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3
    assert all(ln.startswith("optimising the wave (HiGHS): still working, ")
               for ln in lines[:-1])
    assert re.fullmatch(r"optimising the wave \(HiGHS\): done in 0\.\d s", lines[-1])
    quiet = io.StringIO()
    with Heartbeat(quiet, "quick", every_seconds=5):
        pass
    assert quiet.getvalue() == ""


def test_the_solver_prints_no_banner() -> None:
    code = ("from orderhub.domain.routing.batch import quiet_highs\n"
            "quiet_highs(); quiet_highs(); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.stdout, done.returncode) == ("ok\n", 0), done.stdout + done.stderr


def test_start_up_imports_only_the_command_line() -> None:
    code = ("import sys, orderhub.cli.app\n"
            "heavy = ['sklearn', 'highspy', 'lightgbm', 'pandas', 'numpy', 'sqlalchemy',\n"
            "         'fastapi', 'orderhub.services', 'orderhub.cli.orders']\n"
            "print([m for m in heavy if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
    code = ("import sys\nfrom orderhub.cli.app import main\nsys.argv = ['orderhub', 'order', "
            "'list', '--help']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('sklearn', 'highspy', 'sqlalchemy', 'orderhub.cli.rules')"
            " if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_compare_right_after_canary_says_why_it_is_empty(hub: Any, database_url: str) -> None:
    from tests.api import api_client
    from tests.e2e.test_rule_sets import NO_SH, post
    from tests.factories import seed_network

    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    with api_client(hub) as client:
        for i in range(3):
            post(client, f"C-{i}")
        set_id = client.post("/v1/rules/sets", json={"rules": [NO_SH], "reason": "new"}
                             ).json()["id"]
    code, out = run("rules", "simulate", str(set_id), "--since", "3650d", db=database_url)
    assert code == 0, out
    code, out = run("rules", "canary", str(set_id), "--channel", "web", "--reason", "try",
                    db=database_url)
    assert code == 0, out
    code, out = run("rules", "compare", str(set_id), db=database_url)
    assert code == 0, out
    assert "no orders in the canary arm yet" in out
    assert "0 order(s) were routed by the live rules" in out
    assert f"orderhub rules compare {set_id}" in out and "--percent" in out
    code, out = run("rules", "compare", str(set_id), "--json", db=database_url)
    assert code == 0 and json.loads(out)["arms"] == {}


def test_healthz_counts_published_events_from_the_database(hub: Any) -> None:
    """Another process published them (a fresh relay's counter is 0): /healthz still
    reports them, with the outbox's pending rows."""
    from tests.api import api_client
    from tests.e2e.test_rule_sets import post
    from tests.factories import seed_network

    seed_network(hub, {("A", "SH"): 50})
    with api_client(hub) as client:
        post(client, "H-1")
        hub.relay.drain()
        published_here = hub.relay.published
        hub.relay.published = 0  # as after a restart
        body = client.get("/healthz").json()
    assert body["outbox_published"] >= max(published_here, 1)
    assert body["outbox_pending"] == 0 and isinstance(body["consumer_lag"], dict)


def test_the_cli_names_block_directions_as_the_domain_does() -> None:
    from orderhub.cli.routing import Direction
    from orderhub.domain.routing.network import BlockDirection

    assert [d.value for d in Direction] == [d.value for d in BlockDirection]


def test_more_machine_readable_outputs(small_hub: str, tmp_path: Any) -> None:
    db = small_hub
    code, out = run("events", "status", "--json", db=db)
    doc = json.loads(out)
    assert code == 0 and doc["published"] == doc["last_position"] > 0
    code, out = run("order", "list", "--limit", "1", "--json", db=db)
    oid = json.loads(out)[0]["id"]
    code, out = run("order", "show", oid, "--json", db=db)
    doc = json.loads(out)
    assert code == 0 and doc["id"] == oid and doc["timeline"][0]["type"] == "OrderCreated"
    corpus = tmp_path / "c.jsonl"
    assert run("corpus", "generate", "--out", str(corpus), "--count", "40", db=db)[0] == 0
    code, out = run("corpus", "evaluate", str(corpus), "--json", db=db)
    doc = json.loads(out[out.index("{"):])
    assert doc["records"] == 40 and set(doc["scores"]) and code == (0 if doc["passed"] else 1)
    code, out = run("rules", "sets", "--csv", db=db)
    assert code == 0 and out.startswith("id,version,state,rules,sandbox,slice,reason")
