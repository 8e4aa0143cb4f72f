"""The `orderhub` command line, end to end on a real store."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from orderhub.cli.app import app

runner = CliRunner()


def run(*args: str, db: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args], env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200"})
    return result.exit_code, result.output


def test_upgrade_demo_simulate_and_show(database_url: str) -> None:
    code, out = run("db", "upgrade", db=database_url)
    assert code == 0 and re.search(r"revision \d{4}", out)
    code, out = run("demo-data", "--skus", "200", db=database_url)
    assert code == 0, out
    assert "8 warehouses, 200 SKUs, 7 channels" in out
    code, out = run("demo-data", "--skus", "200", db=database_url)
    assert code == 1 and "already has data" in out

    code, out = run("simulate", "--orders", "300", "--seed", "3", "--batch-size", "50",
                    "--fulfil-share", "0.2", db=database_url)
    assert code == 0, out
    assert re.search(r"submitted\s+│\s+300", out)
    allocated = int(re.search(r"allocated\s+│\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    held = int(re.search(r"held\s+│\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    assert allocated + held == 300 and allocated > 200
    paid = int(re.search(r"driven to paid\s+│\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    assert paid > 0

    code, out = run("order", "list", "--status", "paid", "--limit", "1", db=database_url)
    assert code == 0
    order_id = re.search(r"(ord_[0-9a-f]{32})", out).group(1)  # type: ignore[union-attr]
    code, out = run("order", "show", order_id, db=database_url)
    assert code == 0, out
    for step in ("OrderCreated", "OrderAllocated", "ShipmentDispatched", "paid"):
        assert step in out

    code, out = run("stock", "SKU-00001", db=database_url)
    assert code == 0 and "ATP" in out


@pytest.mark.parametrize(("args", "message"), [
    (("order", "show", "ord_missing"), "not found"),
    (("order", "list", "--status", "lost"), "unknown status"),
    (("stock", "NOPE"), "not found"),
    (("simulate", "--orders", "0"), "Invalid value"),
])
def test_bad_cli_input_gives_message_and_exit_code(database_url: str, args: tuple[str, ...],
                                                   message: str) -> None:
    run("db", "upgrade", db=database_url)
    code, out = run(*args, db=database_url)
    assert code != 0
    assert message in out
    assert "Traceback" not in out
