"""Review: the event of a channel's refund before receipt states the channel's amount as
the catalogue's decimal amount (digits, an optional fraction), whatever exponent the
channel's JSON number had (the payload parser reads "1e2" as Decimal('1E+2'))."""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.event_catalog import BY_TYPE
from orderhub.services.orders import views
from tests.factories import T, seed_network
from tests.integration.test_returns_channel_refunded import shipped


@pytest.mark.parametrize("amount,shown", [(Decimal("1E+2"), "100"),
                                          (Decimal("1e-5"), "0.00001"),
                                          (Decimal("49.90"), "49.90")])
def test_the_channels_amount_is_a_plain_decimal(hub: Hub, amount: Decimal,
                                                shown: str) -> None:
    seed_network(hub)
    oid = shipped(hub, "CH-EXP", 1)
    rid = hub.returns.request(T, oid, [(1, 1)], "damaged", actor="buyer").id
    hub.returns.note_channel_refund(T, rid, "shopify:1", actor="channel:shopify",
                                    amount=amount, currency="CNY")
    [e] = [e for e in views.get_timeline(hub.read_uow, T, oid)
           if e["type"] == "ReturnRefundedByChannel"]
    assert e["data"]["amount"] == shown
    schema = BY_TYPE["ReturnRefundedByChannel"].data_schema()["properties"]["amount"]
    jsonschema.validate(e["data"]["amount"], schema)
