"""`orderhub carrier tracking push|secret|simulate` and `orderhub order tracking`, as an
operator types them (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.e2e.test_tracking import new_order, to_shipped
from tests.factories import seed_network


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def test_tracking_from_the_command_line(hub: Hub, database_url: str, tmp_path: Path) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oids = [new_order(client, f"CLI-T{i}")["id"] for i in range(3)]
        shipped = [to_shipped(client, o) for o in oids]
        open_oid = new_order(client, "CLI-T-open")["id"]  # not shipped: not tracked
    oid = oids[0]
    carrier = shipped[0]["carrier_service"].split(":")[0]

    code, out = run(database_url, "carrier", "tracking", "secret", carrier, "--json")
    assert code == 0, out
    first = json.loads(out)
    assert first["secret"].startswith("trsec_") and first["rotated"] is False
    code, out = run(database_url, "carrier", "tracking", "secret", carrier)
    assert code == 0 and "rotated (已轮换)" in out and first["secret"] not in out

    # the first hours of each journey: picked up, nothing delivered yet
    code, out = run(database_url, "carrier", "tracking", "simulate", "--seed", "3",
                    "--hours", "6", "--json")
    assert code == 0, out
    partial = json.loads(out)
    assert partial["shipments"] == 3 and partial["matched"] >= 3
    assert partial["delivered"] == 0 and partial["orphaned"] == 0
    code, out = run(database_url, "order", "tracking", oid, "--json")
    [ship] = json.loads(out)["shipments"]
    assert ship["current"]["checkpoint"] != "delivered"

    # whole journeys: every parcel delivered; what was pushed before is a duplicate
    code, out = run(database_url, "carrier", "tracking", "simulate", "--seed", "3")
    assert code == 0 and "3 shipments tracked (跟踪包裹)" in out and "3 delivered" in out, out
    code, out = run(database_url, "carrier", "tracking", "simulate", "--seed", "3", "--json")
    again = json.loads(out)
    assert again["shipments"] == 0  # delivered orders are no longer tracked
    code, out = run(database_url, "order", "tracking", oid)
    assert code == 0 and "picked_up" in out and "已签收" in out and "current: delivered" in out
    code, out = run(database_url, "order", "show", oid)
    assert "status=delivered" in out

    # a file of checkpoints: one for a waybill nobody has yet is kept as an orphan
    f = tmp_path / "zto.json"
    f.write_text(json.dumps({"carrier": carrier, "checkpoints": [
        {"event_id": "file-1", "waybill": "UNBOOKED-1", "kind": "picked_up",
         "at": "2026-11-25T09:00:00+08:00", "location": "上海"}]}), encoding="utf-8")
    code, out = run(database_url, "carrier", "tracking", "push", str(f))
    assert code == 0 and "1 new (新增)" in out and "1 orphaned (待匹配)" in out, out
    code, out = run(database_url, "carrier", "tracking", "push", str(f), "--json")
    assert json.loads(out)["duplicates"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"event_id": "b", "waybill": "W", "kind": "picked_up",
                                "at": "2026-11-25T09:00:00+08:00"},
                               {"event_id": "c", "waybill": "W", "kind": "lost",
                                "at": "yesterday"}]), encoding="utf-8")
    code, out = run(database_url, "carrier", "tracking", "push", str(bad), "--carrier", "SF")
    assert code == 1 and "1.kind" in out and "1.at" in out, out
    code, out = run(database_url, "carrier", "tracking", "push", str(bad))
    assert code == 2 and "--carrier" in out

    code, out = run(database_url, "order", "tracking", open_oid)
    assert code == 0 and "no checkpoints yet" in out
    code, out = run(database_url, "order", "tracking", "ord_nope")
    assert code == 1 and "not found" in out
