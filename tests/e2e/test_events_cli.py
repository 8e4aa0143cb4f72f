"""`orderhub events ...` and the event API, end to end on the embedded log."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app
from orderhub.domain.event_catalog import BY_TYPE, catalog_markdown
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client
from tests.factories import T, draft, seed_network

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def run(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"ORDERHUB_DATABASE_URL": db,
                                                 "ORDERHUB_NATS_URL": "", "COLUMNS": "200"})
    return result.exit_code, result.output


def test_docs_events_md_is_current() -> None:
    assert (ROOT / "docs" / "events.md").read_text(encoding="utf-8") == catalog_markdown()


def test_tail_status_and_replay(hub: Hub, database_url: str) -> None:
    seed_network(hub)
    [r] = submit_orders(hub.uow, T, [draft("CLI-1")], strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    hub.consumer("reporting", lambda batch: None, start="earliest").process_once(wait=0)
    code, out = run(database_url, "events", "status")
    assert code == 0 and "outbox backlog (unpublished)" in out
    # 4 stock receipts + 4 order events, not yet published:
    assert re.search(r"outbox backlog \(unpublished\)\s+│\s+8 ", out), out
    hub.relay.drain()
    code, out = run(database_url, "events", "tail", "--from-start", "--order", str(r.order_id),
                    "--limit", "4", "--seconds", "5")
    assert code == 0, out
    assert [line.split()[2] for line in out.strip().splitlines()] == [
        "OrderCreated", "OrderValidated", "InventoryReserved", "OrderAllocated"]
    code, out = run(database_url, "events", "tail", "--from-start", "--type", "OrderAllocated",
                    "--json", "--limit", "1", "--seconds", "5")
    assert code == 0 and '"type":"io.orderhub.OrderAllocated"' in out
    code, out = run(database_url, "events", "replay", "--consumer", "reporting", "--since",
                    "2020-01-01T00:00:00Z")
    assert code == 0 and "8 event(s)" in out


def test_bad_event_commands(hub: Hub, database_url: str) -> None:
    code, out = run(database_url, "events", "tail", "--type", "OrderTeleported", "--seconds", "1")
    assert code == 2 and "unknown event type 'OrderTeleported'" in out
    code, out = run(database_url, "events", "replay", "--consumer", "ghost", "--since",
                    "2020-01-01T00:00:00Z")
    assert code == 2 and "no durable consumer named 'ghost'" in out
    code, out = run(database_url, "events", "replay", "--consumer", "ghost", "--since",
                    "2999-01-01T00:00:00Z")
    assert code == 2 and "future" in out
    code, out = run(database_url, "events", "replay", "--consumer", "ghost", "--since", "soon")
    assert code == 2 and "not an ISO 8601 time" in out


def test_catalog_and_status_api(hub: Hub) -> None:
    with api_client(hub, platform=True) as client:
        doc = client.get("/v1/events/catalog").json()
        assert {e["type"] for e in doc["events"]} == set(BY_TYPE)
        status = client.get("/v1/events/status").json()
        assert status["bus"] == "in-process" and status["outbox_backlog"] == 0
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert "orderhub_outbox_backlog" in metrics.text


def test_replay_api_rejects_bad_input(hub: Hub) -> None:
    with api_client(hub) as tenant_admin:
        r = tenant_admin.post("/v1/events/replay", json={"consumer": "x",
                                                         "since": "2020-01-01T00:00:00Z"})
        assert r.status_code == 403 and r.json()["required_scope"] == "backbone:manage"
    with api_client(hub, platform=True) as client:
        r = client.post("/v1/events/replay", json={"consumer": "x",
                                                   "since": "2999-01-01T00:00:00Z"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "since"
        r = client.post("/v1/events/replay", json={"consumer": "x",
                                                   "since": "2020-01-01T00:00:00"})
        assert r.status_code == 422  # a time without zone is ambiguous
        r = client.post("/v1/events/replay", json={"consumer": "ghost",
                                                   "since": "2020-01-01T00:00:00Z"})
        assert r.status_code == 404
