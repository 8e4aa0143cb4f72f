"""`orderhub keys ...` and start-up with a missing, malformed or wrong master key, as a user
types them (separate processes: each reads its own environment), plus lookup by phone and
the masked view from `orderhub order`."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app
from orderhub.services.intake.submit import submit_orders
from tests.factories import SHANGHAI, T, draft, seed_network

TEST_KEY = os.environ["ORDERHUB_MASTER_KEY"]  # tests/conftest.py


def orderhub(*args: str, db: str, key_dir: Path, master: str | None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ORDERHUB_MASTER_KEY"}
    env.update(ORDERHUB_DATABASE_URL=db, ORDERHUB_KEY_DIR=str(key_dir), COLUMNS="200")
    if master is not None:
        env["ORDERHUB_MASTER_KEY"] = master
    p = subprocess.run([sys.executable, "-m", "orderhub", *args], env=env, capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_start_up_refuses_a_missing_malformed_or_wrong_master_key(
    database_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master=None)
    assert code == 2 and "no master key" in err and "keys init" in err
    assert "Traceback" not in err
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master="not a key!")
    assert code == 2 and "not base64" in err and "Traceback" not in err
    short = base64.b64encode(b"too short").decode()
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master=short)
    assert code == 2 and "32 bytes" in err

    # the right key creates the tenant's data keys; another key is then refused at start-up
    code, out, err = orderhub("keys", "rotate-data", "--tenant", T, db=database_url,
                              key_dir=keys, master=TEST_KEY)
    assert code == 0, err
    assert "default: data key version 2" in out
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master=new_key())
    assert code == 2 and "wrong master key" in err and "Traceback" not in err
    code, _, err = orderhub("serve", "--port", "1", db=database_url, key_dir=keys,
                            master=new_key())
    assert code == 2 and "wrong master key" in err and "Traceback" not in err


def test_keys_init_then_master_rotation_from_files(database_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    code, out, err = orderhub("keys", "init", db=database_url, key_dir=keys, master=None)
    assert code == 0, err
    master, audit = keys / "master.key", keys / "audit.key"
    assert f"created {master}" in out and f"created {audit}" in out
    assert stat.S_IMODE(master.stat().st_mode) == 0o600
    old = master.read_text().strip()
    assert old not in out and audit.read_text().strip() not in out  # paths, never keys
    code, out, _ = orderhub("keys", "init", db=database_url, key_dir=keys, master=None)
    assert code == 0 and f"kept    {master}" in out and master.read_text().strip() == old

    assert orderhub("db", "upgrade", db=database_url, key_dir=keys, master=None)[0] == 0
    code, out, err = orderhub("keys", "rotate-data", db=database_url, key_dir=keys,
                              master=None)
    assert code == 0 and "default: data key version" in out, err

    # a malformed new key: refused, nothing changed
    bad = tmp_path / "bad.key"
    bad.write_text("definitely-not-a-key")
    code, _, err = orderhub("keys", "rotate-master", "--new-key-file", str(bad),
                            db=database_url, key_dir=keys, master=None)
    assert code == 2 and "refused" in err and "Traceback" not in err
    assert master.read_text().strip() == old

    # a good one: re-wrapped, installed, the old key kept as the previous one
    good = tmp_path / "new.key"
    good.write_text(new_key() + "\n")
    code, out, err = orderhub("keys", "rotate-master", "--new-key-file", str(good),
                              db=database_url, key_dir=keys, master=None)
    assert code == 0 and "re-wrapped 3 keys" in out, err  # data 1 and 2, index
    assert master.read_text().strip() == good.read_text().strip()
    assert (keys / "master.previous.key").read_text().strip() == old
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master=None)
    assert code == 0, err

    # the previous key alone no longer opens the store
    (keys / "master.previous.key").unlink()
    code, _, err = orderhub("order", "list", db=database_url, key_dir=keys, master=old)
    assert code == 2 and "wrong master key" in err


def test_order_list_by_phone_and_masked_views(hub: Hub, database_url: str) -> None:
    seed_network(hub)
    [r] = submit_orders(hub.uow, T, [draft("CLI-1")], strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    runner = CliRunner()
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "250"}

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.output

    code, out = run("order", "list", "--phone", "+86 138 0013 8000")
    assert code == 0 and str(r.order_id) in out and SHANGHAI.phone in out
    code, out = run("order", "list", "--phone", "13900000000")
    assert code == 0 and str(r.order_id) not in out
    code, out = run("order", "list", "--phone", "13800138000", "--masked")
    assert code == 0 and str(r.order_id) in out
    assert SHANGHAI.phone not in out and "*******8000" in out and SHANGHAI.line1 not in out
    code, out = run("order", "show", str(r.order_id))
    assert code == 0 and SHANGHAI.name in out and SHANGHAI.line1 in out
    code, out = run("order", "show", str(r.order_id), "--masked")
    assert code == 0 and SHANGHAI.name not in out and SHANGHAI.name[0] + "*" in out
    assert SHANGHAI.phone not in out


@pytest.mark.parametrize("view", ["masked", "none"])
def test_the_api_list_and_detail_shape_by_view(hub: Hub, view: str) -> None:
    from orderhub.domain.privacy import PiiView
    from orderhub.services.orders import views

    seed_network(hub)
    [r] = submit_orders(hub.uow, T, [draft("V-1")], strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    pii = PiiView(view)
    detail = views.get_order(hub.read_uow, T, str(r.order_id), pii=pii)
    listed = views.list_orders(hub.read_uow, T, phone=SHANGHAI.phone, pii=pii)["items"]
    held = views.list_orders(hub.read_uow, T, pii=pii)["items"]
    for o in (detail, *listed, *held):
        text = repr(o)
        assert SHANGHAI.phone not in text and SHANGHAI.name not in text
        assert SHANGHAI.line1 not in text  # allocated, not yet released
    assert [o["id"] for o in listed] == [str(r.order_id)]
