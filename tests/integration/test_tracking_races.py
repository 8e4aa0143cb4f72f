"""Carrier tracking on a real database: the same push sent by several connections at once is
stored and recorded once; two match jobs at once match an orphan once; the carriers'
signing secrets are ciphertext at rest and survive a data-key rotation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orderhub.adapters.carriers.tracking_signing import TrackingSignatureError, sign
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.tracking import Checkpoint, CheckpointKind
from orderhub.services.keys import rotate_data
from orderhub.services.tracking import checkpoints
from tests.api import api_client
from tests.e2e.test_tracking import new_order, to_shipped
from tests.factories import T, seed_network
from tests.integration.test_inventory_races import race

K = CheckpointKind


def shipped(hub: Hub, ext: str) -> tuple[str, str, str]:
    with api_client(hub) as client:
        oid = new_order(client, ext)["id"]
        s = to_shipped(client, oid)
    return oid, s["carrier_service"].split(":")[0], s["waybill"]


def recorded(hub: Hub, oid: str, etype: str = "ShipmentCheckpointRecorded") -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.order_id == oid, t.outbox.c.type == etype)).scalar_one())


def test_five_concurrent_identical_pushes_store_and_record_once(hub: Hub) -> None:
    seed_network(hub)
    oid, carrier, waybill = shipped(hub, "RACE-1")
    now = hub.clock()
    batch = [Checkpoint(carrier, waybill, f"r{i}", kind, now + timedelta(hours=i))
             for i, kind in enumerate([K.PICKED_UP, K.ARRIVED_AT_HUB, K.DEPARTED_HUB,
                                       K.OUT_FOR_DELIVERY, K.DELIVERED])]
    batch.append(Checkpoint(carrier, "NOBODY-1", "orphan-1", K.PICKED_UP, now))
    results = race(5, lambda _i: checkpoints.push(hub.uow, T, carrier, batch, now=now))
    assert sorted(r.new for r in results) == [0, 0, 0, 0, 6]
    assert sum(r.delivered for r in results) == 1
    assert sum(r.orphaned for r in results) == 1
    assert all(r.new + r.duplicates == 6 for r in results)
    assert recorded(hub, oid) == 5 and recorded(hub, oid, "ShipmentDelivered") == 1
    with hub.read_uow() as uow:
        assert len(uow.tracking.for_order(T, oid)) == 5
        assert uow.tracking.orphan_count(T) == 1


def test_two_concurrent_match_jobs_match_an_orphan_once(hub: Hub) -> None:
    seed_network(hub)
    oid, carrier, waybill = shipped(hub, "RACE-2")
    now = hub.clock()
    with hub.uow() as uow:  # pushed while the release booking its waybill was in flight
        uow.tracking.add(T, [(Checkpoint(carrier, waybill, "j1", K.PICKED_UP, now), None),
                             (Checkpoint(carrier, waybill, "j2", K.ARRIVED_AT_HUB,
                                         now + timedelta(hours=3)), None)], now)
        uow.commit()
    counts = race(2, lambda _i: checkpoints.match_pending(hub.uow, now=now))
    assert sorted(counts) == [0, 2]
    assert recorded(hub, oid) == 2


def test_signing_secrets_are_ciphertext_and_survive_a_data_key_rotation(hub: Hub) -> None:
    seed_network(hub)
    done = checkpoints.set_secret(hub.uow, T, "ZTO", None, now=hub.clock(), actor="test")
    secret = done["secret"]
    with hub.engine.connect() as conn:
        [stored] = conn.execute(select(t.carrier_tracking_secrets.c.secret)).scalars().all()
    assert secret not in stored and stored.startswith("p1.")
    body = b'[{"event_id": "x"}]'
    assert checkpoints.verify_push(hub.uow, T, "ZTO", body, sign(secret, body)) == "ZTO"
    [report] = rotate_data(hub.uow, [T])
    assert report.secrets >= 1
    with hub.engine.connect() as conn:
        [after] = conn.execute(select(t.carrier_tracking_secrets.c.secret)).scalars().all()
    assert after != stored
    assert checkpoints.verify_push(hub.uow, T, "ZTO:standard", body, sign(secret, body)) == "ZTO"
    try:
        checkpoints.verify_push(hub.uow, "other", "ZTO", body, sign(secret, body))
    except TrackingSignatureError:
        pass
    else:
        raise AssertionError("another tenant has no secret for ZTO: refused")
    with hub.engine.connect() as conn:
        audit = conn.execute(select(t.audit_log.c.subject, t.audit_log.c.detail)).all()
    assert ("carrier/ZTO/tracking-secret", {"change": "tracking_secret_set"}) in [
        (s, d) for s, d in audit]
    assert secret not in str(audit)
