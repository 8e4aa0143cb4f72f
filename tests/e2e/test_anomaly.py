"""Anomaly detection at intake, end to end (issue 14, item 5): a brushing burst through the
API is held with reason codes while clean orders pass (SQLite and PostgreSQL); the stage
reads and writes the fingerprint table once per batch; tenants never count toward each
other's velocity; settings through the API (scoped, audited) and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub, bootstrap
from orderhub.cli.app import app
from orderhub.config import Settings
from orderhub.domain.order import Address, Customer
from orderhub.services import catalog
from orderhub.services.anomaly.detection import screen
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, T, draft, seed_network

BRUSHED = {"country": "CN", "province": "浙江省", "city": "杭州市", "district": "西湖区",
           "line1": "文三路 88 号 3 栋 1201 室", "name": "张三", "phone": "13700001111"}


@pytest.fixture
def ahub(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Hub]:
    """A hub whose model directory is the test's own (no model: the rules score)."""
    h = bootstrap(Settings(database_url=database_url, key_dir=str(tmp_path)), clock=clock)
    yield h
    h.close()


def body(external_id: str, account: str, address: dict[str, str], *,
         sku: str = "A", qty: int = 1, channel: str = "web") -> dict[str, Any]:
    return {"external_id": external_id, "channel": channel, "currency": "CNY",
            "customer": {"ref": account},
            "shipping_address": {**address, "phone": address["phone"]},
            "lines": [{"sku": sku, "quantity": qty, "unit_price": "10.00"}]}


def other_address(i: int) -> dict[str, str]:
    return {**ADDRESS_JSON, "line1": f"世纪大道 {100 + i} 号", "phone": f"1391234{i:04d}"}


def test_brushing_burst_is_held_with_reason_codes_and_clean_orders_pass(ahub: Hub) -> None:
    seed_network(ahub, {("A", "SH"): 100, ("A", "BJ"): 100})
    with api_client(ahub) as client:
        clean = [body(f"CLEAN-{i}", f"acct-{i}", other_address(i)) for i in range(4)]
        burst = [body(f"BRUSH-{i}", f"fresh-{i}", {**BRUSHED, "phone": f"1370000{i:04d}"})
                 for i in range(6)]
        r = client.post("/v1/orders/batch", json={"orders": clean + burst})
        assert r.status_code == 200, r.text
        status = {o["external_id"]: o["status"] for o in r.json()["results"]}
        assert all(status[f"CLEAN-{i}"] == "allocated" for i in range(4)), status
        # The first three accounts at the address are nothing yet; from the fourth on,
        # three or more other accounts ship there: held for a person.
        assert [status[f"BRUSH-{i}"] for i in range(6)] == ["allocated"] * 3 + ["on_hold"] * 3

        held = {o["external_id"]: o for o in client.get("/v1/orders/held").json()["items"]}
        assert set(held) == {"BRUSH-3", "BRUSH-4", "BRUSH-5"}
        reason = held["BRUSH-5"]["hold_reasons"][0]
        assert reason["code"] == "suspected_fraud"
        assert "5 other accounts shipped to this address in the last 24 h" in reason["message"]
        assert reason["details"]["reason_codes"] == ["shared_address_accounts",
                                                     "address_velocity"]
        assert reason["details"]["evidence"]["shared_address_accounts"]["accounts"] == 5
        assert "另有5个账号" in reason["details"]["message_zh"]

        found = client.get("/v1/anomalies").json()["items"]
        assert {d["order_id"] for d in found} == {o["id"] for o in held.values()}
        assert all(d["action"] == "hold" and d["model_version"] == "rules" for d in found)
        assert found[0]["reasons"][0]["code"] == "shared_address_accounts"
        one = client.get("/v1/anomalies", params={"order_id": held["BRUSH-4"]["id"]}).json()
        assert [d["reasons"][0]["evidence"]["accounts"] for d in one["items"]] == [4]
        assert client.get("/v1/anomalies", params={"action": "flag"}).json()["items"] == []
        assert len(client.get("/v1/anomalies", params={
            "since": "2026-11-24T01:59:00Z"}).json()["items"]) == 3
        assert client.get("/v1/anomalies", params={
            "since": "2026-11-24T02:01:00+00:00"}).json()["items"] == []
        assert client.get("/v1/anomalies", params={"since": "2026-11-24T02:01:00"}
                          ).status_code == 422  # no time zone: refused, not guessed
        assert client.get("/v1/anomalies", params={"code": "geo_mismatch"}).json() == {
            "items": []}

        timeline = client.get(f"/v1/orders/{held['BRUSH-3']['id']}/timeline").json()
        types = [e["type"] for e in timeline]
        assert types[-2:] == ["OrderAnomalyDetected", "OrderHeld"], types

        # A person decides: the override is audited and the order goes on (never dropped).
        oid = held["BRUSH-3"]["id"]
        r = client.post(f"/v1/orders/{oid}/override",
                        json={"codes": ["suspected_fraud"], "reason": "verified by phone"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "allocated"


def test_the_stage_reads_and_writes_fingerprints_once_per_batch(ahub: Hub) -> None:
    seed_network(ahub, {("A", "SH"): 500})
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        for table in ("intake_fingerprints", "anomaly_price_summary"):
            if table in statement:
                statements.append(f"{statement.split()[0].upper()} {table}")

    event.listen(ahub.engine, "before_cursor_execute", count)
    try:
        for batch in range(2):
            drafts = [draft(f"Q-{batch}-{i}", customer=Customer(ref=f"c-{i % 7}"),
                            address=Address(country="CN", province="上海市", city="上海市",
                                            district="浦东新区", line1=f"路 {i} 号",
                                            phone=f"1380000{i:04d}"))
                      for i in range(40)]
            submit_orders(ahub.uow, T, drafts, strategy=ahub.strategy, now=ahub.clock(),
                          actor="test", presale_lock=ahub.presale_lock)
    finally:
        event.remove(ahub.engine, "before_cursor_execute", count)
    # One read (both tables in one statement), the fingerprints' insert, the price
    # summary's upsert (at the commit's flush, so its shared rows are locked briefly):
    # per batch, whatever its size.
    read = ["SELECT intake_fingerprints", "SELECT anomaly_price_summary"]
    assert statements == [*read, "INSERT intake_fingerprints",
                          "INSERT anomaly_price_summary"] * 2, statements
    with ahub.read_uow() as uow:
        stored = uow.conn.execute(select(t.intake_fingerprints.c.key)).scalars().all()
    # Phones, addresses, accounts and baskets are stored as keyed digests only.
    assert stored and all(k.startswith("b1.") or k == "A" for k in stored)
    assert not any("1380000" in k or k == "c-1" for k in stored)


def test_tenants_never_count_toward_each_others_velocity(ahub: Hub) -> None:
    from orderhub.domain.order import Order, OrderLine, OrderType

    now = ahub.clock()
    catalog.ensure_tenant(ahub.uow, "other", "Other", now)
    def address(i: int) -> Address:  # one street address, a phone per account
        return Address(country="CN", province="浙江省", city="杭州市", district="西湖区",
                       line1="文三路 88 号", phone=f"1370000{i:04d}")

    def order(tenant: str, i: int) -> Order:
        return Order.create(tenant_id=tenant, channel="web", external_id=f"X-{i}",
                            order_type=OrderType.B2C, currency="CNY",
                            lines=[OrderLine(1, "A", 1, __import__("decimal").Decimal("10"))],
                            customer=Customer(ref=f"acct-{i}"), address=address(i), now=now)

    with ahub.uow() as uow:
        found = screen(uow, T, [order(T, i) for i in range(5)], now)
        uow.commit()
    assert [a.action.value for a in found] == ["pass"] * 3 + ["hold"] * 2
    with ahub.uow() as uow:  # the same address and phone, another tenant: nothing seen
        found = screen(uow, "other", [order("other", 10 + i) for i in range(3)], now)
        uow.commit()
    assert [a.action.value for a in found] == ["pass"] * 3
    assert all(a.features.address_orders == i for i, a in enumerate(found))
    with ahub.read_uow() as uow:
        assert uow.anomaly.detections("other") == []
        assert len(uow.anomaly.detections(T)) == 2


def test_settings_are_scoped_validated_audited_and_turn_the_stage_off(ahub: Hub) -> None:
    seed_network(ahub, {("A", "SH"): 100})
    with api_client(ahub, role="operations") as ops:
        r = ops.put("/v1/anomalies/settings",
                    json={"settings": {"enabled": False}, "reason": "x"})
        assert r.status_code == 403
        assert ops.get("/v1/anomalies").status_code == 200  # exceptions:read
    with api_client(ahub) as admin:
        r = admin.put("/v1/anomalies/settings",
                      json={"settings": {"hold_threshold": 2, "nope": 1}, "reason": "x"})
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields >= {"nope", "hold_threshold"}, r.json()
        r = admin.put("/v1/anomalies/settings",
                      json={"settings": {"enabled": False}, "reason": "promotion day"})
        assert r.status_code == 200, r.text
        assert r.json()["enabled"] is False and r.json()["version"] == 1
        got = admin.get("/v1/anomalies/settings").json()
        assert got["enabled"] is False and got["defaults"]["enabled"] is True
        burst = [body(f"B-{i}", f"fresh-{i}", BRUSHED) for i in range(6)]
        r = admin.post("/v1/orders/batch", json={"orders": burst})
        assert {o["status"] for o in r.json()["results"]} == {"allocated"}
        assert admin.get("/v1/anomalies").json()["items"] == []
    with ahub.read_uow() as uow:
        [entry] = uow.audit.entries(T, kind="anomaly_settings")
    assert entry.actor != "" and entry.detail["reason"] == "promotion day"
    assert (entry.detail["before"], entry.detail["after"]) == ({"enabled": True},
                                                               {"enabled": False})


@pytest.fixture
def own_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's settings (cached per process) with this test's key directory, so a model
    trained here never lands in the working directory's `.orderhub` other tests use."""
    from orderhub.config import get_settings

    monkeypatch.setenv("ORDERHUB_KEY_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_settings_list_train_and_evaluate(database_url: str, own_key_dir: Path) -> None:
    tmp_path = own_key_dir
    assert not (Path(".orderhub") / "anomaly-models").exists()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                     "ORDERHUB_KEY_DIR": str(tmp_path),
                                                     "COLUMNS": "200"})
        return result.exit_code, result.output

    code, out = run("anomaly", "set", "hold_threshold=0.9", "flag_threshold=0.6",
                    "--reason", "fewer holds during the sale")
    assert code == 0 and "version 1" in out, out
    code, out = run("anomaly", "settings")
    doc = json.loads(out)
    assert (doc["hold_threshold"], doc["flag_threshold"], doc["model_version"]) == (0.9, 0.6,
                                                                                   None)
    code, out = run("anomaly", "set", "hold_threshold=nope", "--reason", "x")
    assert code == 1 and "must be a number" in out
    code, out = run("anomaly", "train", "--seeds", "9101")
    assert code == 1 and "held-out" in out
    code, out = run("anomaly", "train", "--seeds", "101", "--orders", "400", "--json")
    assert code == 0, out
    trained = json.loads(out)
    assert trained["version"] == "v0001" and trained["training_seeds"] == [101]
    assert (tmp_path / "anomaly-models" / "v0001.joblib").exists()
    code, out = run("anomaly", "evaluate", "--seeds", "102", "--orders", "400", "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["model_version"] == "v0001" and figures["clean"] > 300
    assert set(figures["patterns"]) >= {"brushing", "channel_price_conflict"}
    code, out = run("anomaly", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = run("anomaly", "prune")
    assert code == 0 and "fingerprints removed" in out
    assert not (Path(".orderhub") / "anomaly-models").exists()


def test_bulk_fingerprints_match_the_orm_path_and_read_back_exactly(ahub: Hub) -> None:
    """The screening stage writes its sightings through the driver (tuples, the column's
    own type per distinct moment) and blinds keys with one keyed hash per kind: stored
    text, digests and what `recent` reads back are those of the plain SQLAlchemy path,
    whole seconds (no microseconds) included."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert, literal_column

    from orderhub.domain.anomaly.facts import ACCOUNT, PHONE, PRICE, Sighting

    seed_network(ahub, {("A", "SH"): 5})
    whole = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
    fraction = whole + timedelta(microseconds=250)
    with ahub.uow() as uow:
        repo = uow.anomaly
        digests = repo.pii.blind_many(T, "anomaly_account", ["c-1", "", "c-2"])
        assert digests == [repo.pii.blind(T, "anomaly_account", "c-1"), None,
                           repo.pii.blind(T, "anomaly_account", "c-2")]
        assert repo.pii.blind_many(T, "phone", ["8613800001111"]) == [
            repo.pii.blind_phone(T, "13800001111")]
        rows = [Sighting(ACCOUNT, "acct", whole, "acct", "web", 10.0, 2),
                Sighting(PHONE, "ph", fraction, "acct", "web", 10.0, 2),
                Sighting(PRICE, "A", whole, "acct", "web", 9.5, 1),
                Sighting(PRICE, "A", whole, "acct", "web", 9.5, 1)]
        assert repo.record(T, rows) == 3  # the two price lines: one summary row
        assert repo.flush() == 1  # the summary's upsert waits for the flush
        # the same moments through SQLAlchemy's own insert, for comparison
        uow.conn.execute(insert(t.intake_fingerprints), [
            {"tenant_id": "other", "kind": PHONE, "key": "ph", "seen_at": at,
             "account": "", "channel": "", "value": 0.0, "quantity": 0}
            for at in (whole, fraction)])
        f = t.intake_fingerprints.c
        as_text = literal_column("CAST(seen_at AS TEXT)")
        mine = set(uow.conn.execute(select(as_text).where(f.tenant_id == T)).scalars())
        orm = set(uow.conn.execute(select(as_text).where(f.tenant_id == "other")).scalars())
        assert mine == orm
        from orderhub.domain.anomaly.facts import Facts

        probe = Facts("o1", "app", whole, "acct", "ph", "", "", 1.0, 1, 1, False, 1,
                      (("A", 9.0),), "")
        got = repo.recent(T, [probe], whole + timedelta(hours=1), {
            PHONE: timedelta(hours=24), "address": timedelta(hours=24),
            ACCOUNT: timedelta(days=30), "basket": timedelta(hours=48),
            PRICE: timedelta(days=7)})
        uow.rollback()
    by_kind = {s.kind: s for s in got}
    assert by_kind[PHONE].at == fraction and by_kind[PHONE].account == "acct"
    assert by_kind[ACCOUNT].at == whole and by_kind[ACCOUNT].count == 1
    assert (by_kind[PRICE].value, by_kind[PRICE].quantity, by_kind[PRICE].channel) == (
        9.5, 2, "web")
    assert all(s.at.tzinfo is not None for s in got)


def test_the_price_summary_reads_what_the_sightings_say(ahub: Hub) -> None:
    """A seeded history of price lines over nine days, recorded batch by batch through
    the repository: the summary's read gives, per SKU, channel and price, the lines the
    old read of every price row since the window's start gave (recomputed here from the
    sightings themselves), and the features extracted from it equal those of the in-memory
    replay that keeps every sighting (services/anomaly/model.py)."""
    import random
    from datetime import UTC, datetime, timedelta

    from orderhub.domain.anomaly.facts import PRICE, Facts, Sighting
    from orderhub.domain.anomaly.features import Recent, extract, price_start, windows
    from orderhub.domain.anomaly.settings import AnomalySettings

    rng = random.Random(7)
    settings = AnomalySettings()
    w = windows(settings)
    start = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    skus, channels = ["A", "B", "C"], ["tmall", "jd", "app"]
    history: list[Sighting] = []
    with ahub.uow() as uow:
        repo = uow.anomaly
        for batch in range(60):  # a batch every 3-4 hours, nine days
            now = start + timedelta(minutes=batch * 215 + rng.randint(0, 59),
                                    seconds=rng.randint(0, 59))
            rows = [Sighting(PRICE, rng.choice(skus), now, "", rng.choice(channels),
                             rng.choice([9.5, 10.0, 10.0, 10.0, 4.99]), 1)
                    for _ in range(rng.randint(1, 12))]
            repo.record(T, rows)
            repo.flush()
            history += rows
        for hours in (0.0, 0.5, 7.25, 30.0):
            now = history[-1].at + timedelta(hours=hours)
            cut = price_start(now, w[PRICE])
            got: dict[tuple[str, str, float], int] = {}
            for s in repo.recent(T, [Facts("p", "tmall", now, "", "", "", "", 1.0, 1, 1,
                                           False, 3, (("A", 1.0), ("B", 1.0), ("C", 1.0)),
                                           "")], now, w):
                assert s.kind == PRICE and s.at >= cut
                got[(s.key, s.channel, s.value)] = s.quantity
            want: dict[tuple[str, str, float], int] = {}
            for s in history:
                if s.at >= cut:
                    k = (s.key, s.channel, round(s.value, 2))
                    want[k] = want.get(k, 0) + s.quantity
            assert got == want and want, hours
            # The detector's features on the summary's rows and on every sighting agree.
            probes = [Facts("p", ch, now, "", "", "", "", 5.0, 1, 1, False, 1,
                            ((sku, price),), "")
                      for sku in skus for ch in channels for price in (5.0, 10.0)]
            from_db = Recent.of(repo.recent(T, probes, now, w))
            in_memory = Recent.of(history)
            for f in probes:
                assert (extract(f, from_db, now, settings)
                        == extract(f, in_memory, now, settings)), (f, hours)
        uow.rollback()
