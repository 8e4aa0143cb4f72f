"""Pre-allocation end to end, on SQLite and PostgreSQL: through the API (scoped:
planning:read / planning:write) and the CLI as a user types it: plan, show, accept,
ship, receive, with stock per site read back; bad input answered with field-level
messages (422 / a non-zero exit), never partially applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app
from orderhub.services.access.tenants import provision_tenant
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import T, seed_network
from tests.integration.test_preallocation import level, store_forecasts

runner = CliRunner()


def cli(*args: str, db: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args], env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200"})
    return result.exit_code, result.output


def _seed(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 2, ("B", "BJ"): 5})


def test_api_plan_accept_ship_receive(hub: Hub) -> None:
    _seed(hub)
    analyst = api_client(hub, role="analyst")
    inventory = api_client(hub, role="inventory")
    assert api_client(hub, role="carrier_integration").get(
        "/v1/preallocation/plans").status_code == 403
    no_forecast = inventory.post("/v1/preallocation/plans", json={})
    assert no_forecast.status_code == 422, no_forecast.text
    assert no_forecast.json()["errors"][0]["field"] == "forecasts"
    assert "orderhub forecast fit" in no_forecast.text
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    assert analyst.post("/v1/preallocation/plans", json={}).status_code == 403
    bad = inventory.patch("/v1/preallocation/settings", json={"lost_sale_margin": "-1"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lost_sale_margin"
    ok = inventory.patch("/v1/preallocation/settings", json={"lost_sale_margin": "1"})
    assert ok.status_code == 200 and ok.json()["lost_sale_margin"] == "1"
    bad = inventory.post("/v1/preallocation/plans", json={"skus": ["ZZ"], "sites": ["XX"]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"skus", "sites"}
    assert inventory.post("/v1/preallocation/plans",
                          json={"horizon_hours": 0}).status_code == 422

    made = inventory.post("/v1/preallocation/plans", json={"horizon_hours": 72})
    assert made.status_code == 201, made.text
    plan_id = made.json()["plan_id"]
    got = analyst.get(f"/v1/preallocation/plans/{plan_id}")
    assert got.status_code == 200
    (s,) = got.json()["suggestions"]
    assert (s["sku"], s["from"], s["to"], s["status"]) == ("A", "SH", "BJ", "suggested")
    assert {"expected_benefit", "cost", "why", "flag"} <= set(s)
    assert analyst.get("/v1/preallocation/plans/pa_nope").status_code == 404

    neg = inventory.post(f"/v1/preallocation/plans/{plan_id}/accept",
                         json={"only": [1], "quantities": {"1": -3}})
    assert neg.status_code == 422 and neg.json()["errors"][0]["field"] == "quantities"
    assert inventory.post(f"/v1/preallocation/plans/{plan_id}/accept",
                          json={"only": [1], "quantities": {"1": "3"}}).status_code == 422
    assert level(hub, "A", "SH")[1] == 0  # nothing applied
    acc = inventory.post(f"/v1/preallocation/plans/{plan_id}/accept",
                         json={"only": [1], "quantities": {"1": 20}})
    assert acc.status_code == 200, acc.text
    (tid,) = acc.json()["transfers"]
    assert level(hub, "A", "SH") == (100, 20, 80)
    assert analyst.post(f"/v1/preallocation/transfers/{tid}/ship").status_code == 403
    assert inventory.post(f"/v1/preallocation/transfers/{tid}/fly").status_code == 422
    assert inventory.post(f"/v1/preallocation/transfers/{tid}/receive").status_code == 409
    shipped = inventory.post(f"/v1/preallocation/transfers/{tid}/ship")
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert level(hub, "A", "SH") == (80, 0, 80) and level(hub, "A", "BJ") == (2, 0, 2)
    assert inventory.post(f"/v1/preallocation/transfers/{tid}/receive").status_code == 200
    assert level(hub, "A", "BJ") == (22, 0, 22)
    listed = analyst.get("/v1/preallocation/transfers", params={"status": "received"})
    assert [t["id"] for t in listed.json()["items"]] == [tid]
    inv = analyst.get("/v1/inventory/A").json()
    assert json.dumps(inv)  # the inventory read model sees the moved stock
    provision_tenant(hub.uow, "other", name="Other", admin="root", granter=None, actor="t",
                     now=hub.clock())
    other = api_client(hub, tenant="other", role="tenant_admin")
    assert other.get(f"/v1/preallocation/plans/{plan_id}").status_code == 404
    assert other.get(f"/v1/preallocation/transfers/{tid}").status_code == 404


def test_cli_plan_accept_ship_receive(hub: Hub, database_url: str) -> None:
    db = database_url
    _seed(hub)
    code, out = cli("plan", "preallocate", db=db)
    assert code == 1 and "no demand forecasts yet" in out, out
    code, out = cli("--lang", "zh", "plan", "preallocate", db=db)
    assert code == 1 and "尚无需求预测" in out, out
    # the CLI plans from the machine's clock: forecasts from today
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10}, start=datetime.now(UTC).date())
    assert cli("plan", "settings", "--set", "lost_sale_margin=1", db=db)[0] == 0
    code, out = cli("plan", "settings", "--set", "service_level=2", db=db)
    assert code == 1 and "service_level" in out
    code, out = cli("plan", "preallocate", "--horizon", "soon", db=db)
    assert code == 1 and "horizon" in out
    code, out = cli("plan", "preallocate", "--sku", "NOPE", db=db)
    assert code == 1 and "unknown SKU 'NOPE'" in out
    code, out = cli("plan", "preallocate", "--horizon", "72h", "--json", db=db)
    assert code == 0, out
    plan_id = json.loads(out)["plan_id"]
    code, out = cli("plan", "show", plan_id, db=db)
    assert code == 0 and "SH" in out and "BJ" in out and "suggested" in out, out
    code, out = cli("plan", "accept", plan_id, "--only", "1:-4", db=db)
    assert code == 2 and "positive" in out
    code, out = cli("plan", "accept", plan_id, "--only", "7", db=db)
    assert code == 1 and "no suggestion 7" in out
    code, out = cli("plan", "accept", plan_id, "--only", "1:10", "--json", db=db)
    assert code == 0, out
    (tid,) = json.loads(out)["transfers"]
    assert level(hub, "A", "SH") == (100, 10, 90)
    code, out = cli("transfer", "ship", tid, db=db)
    assert code == 0 and "shipped" in out, out
    code, out = cli("transfer", "ship", tid, db=db)
    assert code == 1 and "cannot become shipped" in out
    assert level(hub, "A", "BJ") == (2, 0, 2)
    code, out = cli("transfer", "receive", tid, db=db)
    assert code == 0 and "received" in out
    assert level(hub, "A", "BJ") == (12, 0, 12) and level(hub, "A", "SH") == (90, 0, 90)
    code, out = cli("transfer", "list", "--json", db=db)
    assert code == 0 and json.loads(out)["items"][0]["status"] == "received"
    code, out = cli("transfer", "show", "tr_nope", db=db)
    assert code == 1 and "transfer tr_nope not found" in out
    code, out = cli("plan", "list", db=db)
    assert code == 0 and plan_id[:10] in out
    assert T == "default"


def test_plan_from_forecasts_fitted_on_the_hubs_own_orders(hub: Hub, clock: Clock) -> None:
    """The whole path: 36 days of orders, `forecast fit` (statsforecast, by warehouse), then
    a plan: SH, forecast to sell A that it no longer holds free, gets it from BJ."""
    from orderhub.services.inventory import stock_control
    from tests.e2e.test_forecasts import _seed_history

    _seed_history(hub, clock, 36)
    ops = api_client(hub, role="operations")
    fitted = ops.post("/v1/forecasts/fit", json={"horizon": 7, "windows": 1})
    assert fitted.status_code == 201, fitted.text
    sh = level(hub, "A", "SH")
    stock_control.adjust_stock(hub.uow, T, "A", "SH", -(sh[0] - sh[1] - 2), reason="count",
                               reference="cnt-sh", now=clock.now, actor="t")
    assert level(hub, "A", "SH")[2] == 2
    ops.patch("/v1/preallocation/settings", json={"lost_sale_margin": "1"})
    made = ops.post("/v1/preallocation/plans", json={})
    assert made.status_code == 201, made.text
    plan = made.json()["plan"]
    first_day = clock.now.date() + timedelta(days=1)  # the fit forecasts from the day after
    assert plan["summary"]["days"] == [str(first_day), str(first_day + timedelta(days=2))]
    moves = [(s["sku"], s["from"], s["to"]) for s in plan["suggestions"]]
    assert ("A", "BJ", "SH") in moves, plan
    bad = ops.post("/v1/preallocation/plans", json={"start": "2031-01-01"})
    assert bad.status_code == 422 and "no daily forecast" in bad.text
