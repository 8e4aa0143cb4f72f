"""Shipping documents on a real database (SQLite and PostgreSQL; issue 19 part 4): produced by
the `labels` consumer after the release commits (never inside it), once per content even
when the event comes again, retried then parked on failure without touching the order;
layouts versioned per tenant with the documented precedence."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub
from orderhub.domain.errors import InvalidInput
from orderhub.domain.labels import DocumentFormat, DocumentKind
from orderhub.services.events.consumers import list_parked
from orderhub.services.labels import documents, layouts
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network

T = "default"


def released(hub: Hub, ext: str, quantity: int = 2) -> tuple[str, dict[str, Any]]:
    with api_client(hub) as client:
        r = client.post("/v1/orders", json={
            "external_id": ext, "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": quantity, "unit_price": "10.00"}]})
        assert r.status_code == 201, r.text
        oid = r.json()["id"]
        r = client.post(f"/v1/orders/{oid}/release")
        assert r.status_code == 200, r.text
        [shipment] = r.json()["shipments"]
    return oid, shipment


def run_labels(hub: Hub) -> None:
    hub.relay.drain()
    consumer = hub.enable_labels()
    while consumer.process_once(wait=0):
        pass


def produced_events(hub: Hub) -> list[Any]:
    hub.relay.drain()
    with hub.engine.connect() as conn:
        return OutboxRepository(conn).published_after(0, 1000, ["ShippingDocumentsProduced"])


def test_release_produces_label_and_packing_list_after_the_commit(hub: Hub) -> None:
    seed_network(hub)
    oid, shipment = released(hub, "LB-1")
    # the release itself wrote no document: production follows its commit
    assert documents.documents(hub.read_uow, T, oid) == []
    run_labels(hub)
    records = documents.documents(hub.read_uow, T, shipment["id"])
    assert {(r["kind"], r["format"]) for r in records} == {
        ("label", "pdf"), ("label", "zpl"), ("packing_list", "pdf")}
    assert all(r["waybill"] == shipment["waybill"] and r["created_by"] == "labels"
               and len(str(r["sha256"])) == 64 for r in records)
    label = next(r for r in records if r["kind"] == "label" and r["format"] == "pdf")
    carrier = shipment["carrier_service"].split(":")[0]
    assert label["carrier"] == carrier and label["layout_version"] == "builtin-1"
    [event] = produced_events(hub)
    assert event.order_id == "" and event.data["order"] == oid
    assert event.data["shipment_id"] == shipment["id"]
    assert {d["sha256"] for d in event.data["documents"]} == {r["sha256"] for r in records}
    assert "李雷" not in str(event.data) and "13800138000" not in str(event.data)

    # a reprint renders the same bytes: the recorded hash, no new record
    printed = documents.print_documents(hub.uow, T, shipment["id"], kind=DocumentKind.LABEL,
                                        fmt=DocumentFormat.PDF, now=hub.clock(),
                                        actor="user:picker")
    assert printed.sha256 == label["sha256"]
    assert printed.barcodes == [shipment["waybill"]]
    assert len(PdfReader(io.BytesIO(printed.content)).pages) == 1
    assert len(documents.documents(hub.read_uow, T, oid)) == 3
    with hub.read_uow() as uow:
        [entry] = uow.audit.entries(T, kind="label_print")
    assert entry.actor == "user:picker" and entry.detail["shipments"] == [shipment["id"]]
    assert entry.detail["sha256"] == printed.sha256 and "李雷" not in str(entry.detail)


def test_the_event_again_adds_nothing(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    oid, _ = released(hub, "LB-2")
    start = clock()
    run_labels(hub)
    consumer = hub.enable_labels()
    consumer.replay(start - timedelta(minutes=1))  # the backbone delivers it again
    clock.now += timedelta(minutes=5)
    while consumer.process_once(wait=0):
        pass
    assert len(documents.documents(hub.read_uow, T, oid)) == 3
    assert len(produced_events(hub)) == 1


def test_a_failing_render_is_retried_then_parked_and_the_order_goes_on(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_network(hub)
    calls = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("printer font missing")

    monkeypatch.setattr(documents, "render", broken)
    consumer = hub.enable_labels()
    consumer.retry_delay = 0.001
    oid, shipment = released(hub, "LB-3")
    run_labels(hub)
    assert len(calls) == 1 + hub.settings.consumer_max_attempts  # the batch, then retries
    [parked] = list_parked(hub.engine, "labels")
    assert "printer font missing" in parked["error"]
    assert documents.documents(hub.read_uow, T, oid) == []
    with api_client(hub) as client:  # the order is not blocked
        assert client.post(f"/v1/orders/{oid}/pick").status_code == 200
    monkeypatch.undo()
    # a print renders on demand, whether or not production ran
    printed = documents.print_documents(hub.uow, T, oid, kind=DocumentKind.LABEL,
                                        fmt=DocumentFormat.ZPL, now=hub.clock(), actor="x")
    assert f"^FD{shipment['waybill']}^FS" in printed.content.decode()


def test_layouts_are_versioned_and_resolved_by_precedence(hub: Hub) -> None:
    seed_network(hub)
    base = layouts.get_layout(hub.read_uow, T, "SF")
    assert base["source"] == "builtin"
    doc = dict(base["layout"])
    del doc["carrier"]
    doc["logo"] = {"text": "ACME 专用面单", "x_mm": 5, "y_mm": 4, "size_pt": 14}
    first = layouts.save_layout(hub.uow, T, "sf", doc, now=hub.clock(), actor="user:a")
    second = layouts.save_layout(hub.uow, T, "SF", doc, now=hub.clock(), actor="user:b")
    assert (first["carrier"], first["version"], second["version"]) == ("SF", 1, 2)
    assert [v["version"] for v in layouts.layout_versions(hub.read_uow, T, "SF")] == [1, 2]
    now = layouts.get_layout(hub.read_uow, T, "SF")
    assert now["source"] == "tenant" and now["version"] == 2
    assert now["layout"]["logo"]["text"] == "ACME 专用面单"
    # the tenant's default: for carriers with no layout of their own, built-in or not
    layouts.save_layout(hub.uow, T, "default", doc, now=hub.clock(), actor="user:a")
    with hub.read_uow() as uow:
        assert layouts.resolve(uow, T, "XYZ")[1] == "tenant-1"
        assert layouts.resolve(uow, T, "ZTO")[1] == "builtin-1"
        assert layouts.resolve(uow, T, "SF")[1] == "tenant-2"
    listed = {r["carrier"]: r for r in layouts.list_layouts(hub.read_uow, T)}
    assert listed["SF"]["source"] == "tenant" and listed["JD"]["source"] == "builtin"
    # another tenant sees only the built-in ones
    assert layouts.get_layout(hub.read_uow, "acme", "SF")["source"] == "builtin"
    with hub.read_uow() as uow:
        entries = uow.audit.entries(T, kind="label_layout_change")
    assert len(entries) == 3
    # a bad one stores nothing
    bad = dict(doc, fields=[{"name": "nope", "x_mm": 1, "y_mm": 1}])
    with pytest.raises(InvalidInput):
        layouts.save_layout(hub.uow, T, "SF", bad, now=hub.clock(), actor="user:a")
    assert [v["version"] for v in layouts.layout_versions(hub.read_uow, T, "SF")] == [1, 2]


def test_concurrent_layout_saves_get_distinct_versions(hub: Hub) -> None:
    """Two writers saving layouts of one carrier at once (own connections each): every save
    gets its own version, none lost, no error."""
    import threading

    base = dict(layouts.get_layout(hub.read_uow, T, "JD")["layout"])
    del base["carrier"]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(4):
                doc = dict(base, name=f"writer {n} save {i}")
                layouts.save_layout(hub.uow, T, "JD", doc, now=hub.clock(), actor=f"w{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    versions = layouts.layout_versions(hub.read_uow, T, "JD")
    assert [v["version"] for v in versions] == list(range(1, 9))
    assert len({v["layout"]["name"] for v in versions}) == 8
