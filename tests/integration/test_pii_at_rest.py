"""Personal data at rest (issue 12): what the database holds, read as raw bytes (the SQLite
file and its WAL; a pg_dump of the test schema), after intake, a channel update, an address
correction and reads; lookup by phone and email through the blind index; tenants' data
cannot be moved across; data-key and master-key rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from orderhub.adapters.crypto import (
    CryptoError,
    Keyring,
    LocalMasterKey,
    Undecryptable,
    WrongMasterKey,
)
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.order import Customer
from orderhub.domain.privacy import PiiView
from orderhub.services import catalog
from orderhub.services.events import webhooks
from orderhub.services.intake.submit import submit_orders
from orderhub.services.keys import rotate_data, rotate_master
from orderhub.services.orders import holds, views
from tests.api import api_client
from tests.factories import SHANGHAI, T, draft, seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
CHANNEL_SECRET = "chan-secret-Vq7Zp2Lm9"
NAME, PHONE, STREET = "Zorblax Quimby", "13987654321", "Secretlane 42 Hidden Court"
MESSAGE, EMAIL = "PLEASE-HIDE-THIS-BUYER-NOTE", "quimby.secret@example.org"
NEW_STREET, NEW_PHONE = "Corrected Alley 7 Covert", "15811112222"
INVALID_PHONE = "777123987"  # held as phone_invalid: the hold reason must not quote it
CONTROL = "CONTROL-MARKER-WAREHOUSE"  # stored in clear on purpose: the reader sees clear text


def raw_database(database_url: str) -> bytes:
    """Everything the database holds, as bytes: the SQLite file and its WAL, or the text
    of a pg_dump of the test's schema."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        wal = Path(f"{path}-wal")
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    parsed = urlparse(database_url)
    options = unquote(parse_qs(parsed.query)["options"][0])
    schema = options.split("search_path=")[1]
    out = subprocess.run(
        ["/usr/bin/pg_dump", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
         "-U", parsed.username or "postgres", "-n", schema, "--data-only",
         parsed.path.lstrip("/")],
        capture_output=True, check=True, timeout=60)
    return out.stdout


def leaks(raw: bytes, *values: str) -> list[str]:
    return [v for v in values if v.encode() in raw]


def taobao(tid: str, *, modified: str, street: str, phone: str) -> bytes:
    doc = orjson.loads((FIXTURES / "taobao_trade_fullinfo.json").read_bytes())
    trade = doc["trade_fullinfo_get_response"]["trade"]
    trade.update(tid=int(tid), tid_str=tid, modified=modified, receiver_name=NAME,
                 receiver_mobile=phone, receiver_address=street, buyer_message=MESSAGE,
                 buyer_email=EMAIL)
    return orjson.dumps(doc)


def signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(CHANNEL_SECRET.encode(), body, hashlib.sha256).digest()
    return {"X-Top-Sign": base64.b64encode(digest).decode(), "content-type": "application/json"}


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub) as c:
        r = c.post("/v1/channels", json={"code": "tmall-store", "name": "Tmall",
                                         "kind": "marketplace", "adapter": "taobao",
                                         "secret": CHANNEL_SECRET})
        assert r.status_code == 201, r.text
        yield c


def submit(hub: Hub, *drafts: object, tenant: str = T) -> list[str]:
    results = submit_orders(hub.uow, tenant, list(drafts), strategy=hub.strategy,
                            now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    return [str(r.order_id) for r in results]


def test_raw_database_holds_no_personal_data_after_intake_update_and_reads(
    client: TestClient, hub: Hub, database_url: str
) -> None:
    with hub.uow() as uow:  # the control: a name the store keeps in clear
        uow.conn.execute(update(t.warehouses).where(t.warehouses.c.code == "SH")
                         .values(name=CONTROL))
        uow.commit()
    endpoint = webhooks.create_endpoint(hub.uow, T, "https://example.com/hook", hub.clock())
    body = taobao("3912345678900000001", modified="2024-11-11 00:03:45", street=STREET,
                  phone=PHONE)
    r = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert r.status_code == 200, r.text
    order_id = r.json()[0]["order_id"]
    [drafted] = submit(hub, draft("D-1", customer=Customer(ref="c-1", name=NAME, email=EMAIL,
                                                           phone=PHONE)))
    body = taobao("3912345678900000002", modified="2024-11-11 00:03:45", street=STREET,
                  phone=INVALID_PHONE)
    r = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    held = client.get(f"/v1/orders/{r.json()[0]['order_id']}").json()
    assert "phone_invalid" in [x["code"] for x in held["hold_reasons"]]

    shown = client.get(f"/v1/orders/{order_id}").json()
    assert shown["shipping_address"]["line1"].startswith(STREET)  # stored, and readable
    assert shown["shipping_address"]["phone"] == PHONE
    secrets = [CHANNEL_SECRET, endpoint.secret]
    raw = raw_database(database_url)
    assert CONTROL.encode() in raw
    assert leaks(raw, NAME, PHONE, STREET, MESSAGE, EMAIL, INVALID_PHONE, *secrets) == []

    # the channel sends an update (new street and phone), an operator corrects an address
    body = taobao("3912345678900000001", modified="2024-11-11 01:00:00", street=NEW_STREET,
                  phone=NEW_PHONE)
    r = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert r.status_code == 200 and r.json()[0]["outcome"] == "updated", r.text
    holds.correct_address(hub.uow, T, drafted, {"line1": NEW_STREET + " B", "name": NAME},
                          reason="customer called", actor="ops", now=hub.clock())
    # reads and the list an export is made of
    assert client.get("/v1/orders", params={"phone": NEW_PHONE}).json()["items"][0]["id"] \
        == order_id
    listed = views.list_orders(hub.read_uow, T, limit=500, pii=PiiView.FULL)["items"]
    streets = {o["id"]: o["shipping_address"].get("line1", "") for o in listed}
    assert streets[order_id].startswith(NEW_STREET) and streets[drafted] == NEW_STREET + " B"
    raw = raw_database(database_url)
    assert CONTROL.encode() in raw
    assert leaks(raw, NAME, PHONE, STREET, NEW_STREET, NEW_PHONE, MESSAGE, EMAIL, *secrets) \
        == []


def test_lookup_by_phone_and_email_through_the_blind_index(hub: Hub) -> None:
    seed_network(hub)
    with hub.uow() as uow:
        uow.catalog.add_tenant("other", "Other", hub.clock())
        uow.commit()
    a, b, c = submit(
        hub,
        draft("P-1", address=replace(SHANGHAI, phone="+86 139-8765-4321")),
        draft("P-2", customer=Customer(ref="r", phone="13987654321", email="Li.Wei@Example.com")),
        draft("P-3"),  # SHANGHAI's phone 13800138000
    )

    def found(**q: str) -> list[str]:
        return sorted(o["id"] for o in views.list_orders(hub.read_uow, T, pii=PiiView.NONE,
                                                         **q)["items"])

    assert found(phone="13987654321") == sorted([a, b])
    assert found(phone="+8613987654321") == sorted([a, b])
    assert found(phone="13800138000") == sorted([b, c])  # b ships to SHANGHAI too
    assert found(email="li.wei@example.com") == [b]
    assert found(email="nobody@example.com") == []
    assert found(phone="13000000000") == []
    # the index is keyed: not the digits, nor a plain hash of them
    with hub.read_uow() as uow:
        stored = uow.conn.execute(select(t.orders.c.bidx_phone).where(t.orders.c.id == a)
                                  ).scalar_one()
    assert "13987654321" not in stored
    assert hashlib.sha256(b"8613987654321").hexdigest() not in stored
    # another tenant with no orders finds nothing with the same number
    assert views.list_orders(hub.read_uow, "other", phone="13987654321",
                             pii=PiiView.FULL)["items"] == []


def test_ciphertext_of_one_tenant_is_not_accepted_for_another(hub: Hub) -> None:
    seed_network(hub)
    with hub.uow() as uow:
        uow.catalog.add_tenant("tenant-b", "B", hub.clock())
        uow.commit()
    [mine] = submit(hub, draft("X-1"))
    with hub.uow() as uow:
        token = uow.pii.encrypt_text(T, "f", "hello")
        assert uow.pii.decrypt_text(T, "f", token) == "hello"
        uow.pii.encrypt_text("tenant-b", "f", "b's own")  # tenant b has keys too
        with pytest.raises(Undecryptable):
            uow.pii.decrypt_text("tenant-b", "f", token)
        with pytest.raises(Undecryptable):
            uow.pii.decrypt_text(T, "another-field", token)
        uow.commit()
    # an order row's ciphertext moved onto another order (or tenant) does not open there
    [other] = submit(hub, draft("X-2"))
    with hub.uow() as uow:
        stolen = uow.conn.execute(select(t.orders.c.pii).where(t.orders.c.id == mine)
                                  ).scalar_one()
        uow.conn.execute(update(t.orders).where(t.orders.c.id == other).values(pii=stolen))
        uow.commit()
    with pytest.raises(CryptoError):
        views.get_order(hub.read_uow, T, other, pii=PiiView.FULL)
    assert views.get_order(hub.read_uow, T, mine, pii=PiiView.FULL)["shipping_address"][
        "phone"] == SHANGHAI.phone


def _pii_tokens(hub: Hub) -> list[str]:
    with hub.read_uow() as uow:
        return [p for (p,) in uow.conn.execute(select(t.orders.c.pii))]


def test_data_key_rotation_reencrypts_in_batches_and_old_versions_still_decrypt(
    hub: Hub,
) -> None:
    seed_network(hub, {("A", "SH"): 100})
    catalog.add_channels(hub.uow, [catalog_channel()])
    ep = webhooks.create_endpoint(hub.uow, T, "https://example.com/hook", hub.clock())
    ids = submit(hub, *(draft(f"R-{i}") for i in range(5)))
    assert {p.split(".")[1] for p in _pii_tokens(hub)} == {"1"}
    with hub.uow() as uow:
        assert uow.pii.new_data_version(T) == 2
        uow.commit()
    [newer] = submit(hub, draft("R-new"))  # new writes use version 2 at once
    tokens = _pii_tokens(hub)
    assert sorted(p.split(".")[1] for p in tokens) == ["1"] * 5 + ["2"]
    assert all(views.get_order(hub.read_uow, T, i, pii=PiiView.FULL)["shipping_address"][
        "line1"] == SHANGHAI.line1 for i in [*ids, newer])  # version 1 still decrypts

    [report] = rotate_data(hub.uow, [T], batch_size=2)
    assert report.version == 3 and report.orders == 6 and report.batches == [2, 2, 2]
    assert report.secrets == 2  # the webhook's and the channel's
    assert {p.split(".")[1] for p in _pii_tokens(hub)} == {"3"}
    for i in [*ids, newer]:
        o = views.get_order(hub.read_uow, T, i, pii=PiiView.FULL)
        assert (o["shipping_address"]["name"], o["shipping_address"]["phone"]) == (
            SHANGHAI.name, SHANGHAI.phone)
    assert webhooks.get_endpoint(hub.read_uow, T, ep.id).secret == ep.secret
    with hub.read_uow() as uow:
        [ch] = [c for c in uow.catalog.channels(T) if c.code == "rot"]
    assert ch.secret == "rot-secret-123"


def catalog_channel() -> object:
    from orderhub.domain.inventory import Channel

    return Channel(T, "rot", "Rotated", adapter="taobao", secret="rot-secret-123")


def test_master_key_rotation_rewraps_and_a_wrong_key_is_refused_losing_nothing(
    hub: Hub,
) -> None:
    seed_network(hub)
    [oid] = submit(hub, draft("M-1"))
    with hub.read_uow() as uow:
        before = uow.conn.execute(select(t.pii_keys).order_by(
            t.pii_keys.c.tenant_id, t.pii_keys.c.purpose, t.pii_keys.c.version)).all()
    current = hub.keyring.provider
    new_raw = os.urandom(32)
    new = LocalMasterKey(new_raw)

    # refused: the key offered as current does not open the stored keys; nothing changed
    with pytest.raises(WrongMasterKey):
        rotate_master(hub.uow, LocalMasterKey(os.urandom(32)), new)
    with hub.read_uow() as uow:
        assert uow.conn.execute(select(t.pii_keys).order_by(
            t.pii_keys.c.tenant_id, t.pii_keys.c.purpose, t.pii_keys.c.version)).all() == before
    hub.keyring.forget()
    assert views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)["shipping_address"][
        "phone"] == SHANGHAI.phone

    # accepted: every key re-wrapped; the new key opens them, the old one no longer does
    assert rotate_master(hub.uow, current, new) == len(before)
    assert Keyring(new).verify(hub.engine) == 1
    with pytest.raises(WrongMasterKey):
        Keyring(current).verify(hub.engine)  # type: ignore[arg-type]
    hub.keyring = Keyring(new)  # a process started after the rotation
    assert views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)["shipping_address"][
        "phone"] == SHANGHAI.phone
    # the next rotation's window: a process given a newer key with this one as previous
    assert Keyring(LocalMasterKey(os.urandom(32), previous=new_raw)).verify(hub.engine) == 1
