"""Compliance packs against a real store (SQLite and PostgreSQL): enabling a country drafts
its rules as a rule set (sandbox before activation) or activates them with the audited
shortcut; orders to that country are then held with the pack rule's reason citing its
source; overrides are audited, kept across versions, and refused field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.db.compliance_pack_repository import PackState
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Customer
from orderhub.domain.privacy import PiiView
from orderhub.services import catalog, compliance_packs
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views
from orderhub.services.rules import sandbox, validation_rules
from tests.factories import SHANGHAI, T, seed_network

WHEN = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
RESIDENT_ID = "11010519491231002X"  # the standard's worked example (valid check digit)
CN_NOTICE = "财关税〔2018〕49号"


@pytest.fixture
def shop(hub: Hub) -> Hub:
    seed_network(hub, {("A", "SH"): 50})
    catalog.add_skus(hub.uow, [Sku(T, "MILK", "Infant formula 800g", Decimal("2600.00"),
                                   attributes={"hs_code": "1901101000", "origin_country": "NZ",
                                               "cn_cbec_positive_list": True})], hub.clock())
    stock_control.receive_stock_many(hub.uow, T, [("MILK", "SH", 100)], reference="seed",
                                     now=hub.clock(), actor="test")
    return hub


def cbec(ext: str, units: int = 1, **attrs: str) -> ChannelOrder:
    """A Tmall Global order of `units` tins shipped to Shanghai (a cross-border import)."""
    price = Decimal("2600.00")
    return ChannelOrder(ext, "open", WHEN, "CNY", [ChannelLine("MILK", "formula", units, price)],
                        customer=Customer(ref="buyer-1"), shipping_address=SHANGHAI,
                        total=price * units, cross_border=True, attributes=dict(attrs))


def ingest(hub: Hub, *orders: ChannelOrder) -> list[Any]:
    return ingest_channel_orders(hub.uow, T, "tmall", list(orders), strategy=hub.strategy,
                                 now=hub.clock(), actor="test", presale_lock=hub.presale_lock)


def holds(hub: Hub, order_id: str | None) -> list[dict[str, Any]]:
    assert order_id
    reasons: list[dict[str, Any]] = views.get_order(hub.read_uow, T, order_id,
                                                    pii=PiiView.FULL)["hold_reasons"]
    return reasons


def enable_cn(hub: Hub, *, activate: bool) -> dict[str, Any]:
    return compliance_packs.set_enabled(hub.uow, T, "cn", True, actor="user:compliance",
                                        reason="selling on Tmall Global", now=hub.clock(),
                                        activate=activate, strategy=hub.strategy)


def test_enabled_cn_pack_holds_orders_over_the_limit_or_without_resident_id(shop: Hub) -> None:
    out = enable_cn(shop, activate=True)
    assert out["enabled"] and out["rule_set"]["state"] == "active"
    live = {r["code"]: r for r in validation_rules.list_rules(shop.read_uow, T)}
    assert live["pack.CN.single-limit"]["params"]["limit"] == {"amount": "5000",
                                                               "currency": "CNY"}
    ok, over, no_id, other_name = ingest(
        shop, cbec("CB-1", buyer_id_number=RESIDENT_ID, buyer_id_name="李雷"),
        cbec("CB-2", units=2, buyer_id_number=RESIDENT_ID, buyer_id_name="李雷"),
        cbec("CB-3"),
        cbec("CB-4", buyer_id_number=RESIDENT_ID, buyer_id_name="韩梅梅"))
    assert ok.status == "allocated", holds(shop, ok.order_id)
    [cap] = [h for h in holds(shop, over.order_id) if "pack CN" in h["message"]]
    assert cap["code"] == "declared_value_limit"
    assert "5200.00 CNY is over CN's per-parcel limit of 5000 CNY" in cap["message"]
    assert CN_NOTICE in cap["message"]
    assert cap["details"]["source"]["url"].startswith("https://")
    assert cap["details"]["source"]["pack"] == "CN 2026.12.2"
    [missing] = holds(shop, no_id.order_id)
    assert missing["code"] == "cross_border_docs"
    assert "lacks the payer's resident ID" in missing["message"]
    assert "海关总署公告2018年第194号" in missing["message"]
    [mismatch] = holds(shop, other_name.order_id)
    assert "someone other than the recipient" in mismatch["message"]
    assert RESIDENT_ID not in mismatch["message"] + str(mismatch["details"])
    # the shortcut is audited as such, with the pack's own entry
    with shop.read_uow() as uow:
        log = list(reversed(uow.audit.entries(T, limit=1000)))
    pack_entry = [e for e in log if e.subject == "compliance-pack/CN"]
    assert pack_entry and pack_entry[-1].detail["change"] == "enabled"
    assert "no sandbox run" in pack_entry[-1].detail["shortcut"]
    activated = [e for e in log if e.subject.startswith("rule-set/")
                 and e.detail.get("change") == "activated"]
    assert "no sandbox run" in activated[-1].detail["shortcut"]


def test_a_pack_is_replayed_in_the_sandbox_before_activation(shop: Hub) -> None:
    ingest(shop, cbec("P-1", buyer_id_number=RESIDENT_ID, buyer_id_name="李雷"),
           cbec("P-2", units=2, buyer_id_number=RESIDENT_ID, buyer_id_name="李雷"),
           cbec("P-3"))
    shop.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    out = enable_cn(shop, activate=False)
    set_id = out["rule_set"]["id"]
    assert out["rule_set"]["state"] == "draft" and out["rule_set_state"] == "draft"
    assert "pack.CN.single-limit" in out["rule_set"]["changes_from_live"]["added"]
    assert "pack.CN.single-limit" not in {
        r["code"] for r in validation_rules.list_rules(shop.read_uow, T)}  # nothing live yet
    report = sandbox.simulate(shop.uow, shop.read_uow, T, set_id, since=timedelta(days=7),
                              now=shop.clock(), actor="test", strategy=shop.strategy)
    assert report["orders"] == 3
    assert report["rule_hits"]["pack.CN.resident-id"] == 1
    assert report["rule_hits"]["pack.CN.single-limit"] == 1
    assert report["validation_changed"] >= 1
    assert report["passed"] is False  # it holds two of three orders: a person decides


def test_override_is_audited_kept_on_upgrade_and_refused_field_by_field(shop: Hub) -> None:
    enable_cn(shop, activate=True)
    out = compliance_packs.override(
        shop.uow, T, "CN", {"rule": "pack.CN.single-limit",
                            "params": {"limit": {"amount": "3000", "currency": "CNY"}},
                            "reason": "our customs broker's lower ceiling"},
        actor="user:compliance", now=shop.clock(), activate=True, strategy=shop.strategy)
    assert out["override"]["params"]["limit"]["amount"] == "3000"
    live = {r["code"]: r for r in validation_rules.list_rules(shop.read_uow, T)}
    assert live["pack.CN.single-limit"]["params"]["limit"]["amount"] == "3000"
    [r] = ingest(shop, cbec("O-1", buyer_id_number=RESIDENT_ID, buyer_id_name="李雷"))
    assert r.status == "allocated"  # 2600 CNY is under 3000
    compliance_packs.override(
        shop.uow, T, "CN", {"rule": "pack.CN.resident-id", "enabled": False,
                            "reason": "the platform checks the ID itself"},
        actor="user:compliance", now=shop.clock(), activate=True, strategy=shop.strategy)
    live = {r["code"]: r for r in validation_rules.list_rules(shop.read_uow, T)}
    assert live["pack.CN.resident-id"]["enabled"] is False
    with shop.read_uow() as uow:
        log = [e for e in reversed(uow.audit.entries(T, limit=1000))
               if e.subject == "compliance-pack/CN"]
    assert [e.detail["change"] for e in log] == ["enabled", "overridden", "overridden"]
    assert log[1].detail["reason"] == "our customs broker's lower ceiling"
    assert log[1].actor == "user:compliance"

    # an upgrade: the tenant enabled an older version whose cap differed
    with shop.uow() as uow:
        st = uow.compliance_packs.get(T, "CN")
        assert st is not None
        old_rules = [dict(d) for d in st.rules]
        for d in old_rules:
            if d["code"] == "pack.CN.single-limit":
                d["description"] = "an older wording"
        uow.compliance_packs.save(T, PackState("CN", True, "2025.1.1", old_rules,
                                               st.overrides, st.rule_set, "x", shop.clock()))
        uow.commit()
    shown = compliance_packs.show_pack(shop.read_uow, T, "CN")
    assert shown["upgrade_available"] is True
    assert "pack.CN.single-limit" in shown["upgrade"]["changes"]["changed"]
    up = enable_cn(shop, activate=False)
    assert up["change"] == "upgraded" and up["enabled_version"] == "2026.12.2"
    assert {o["code"] for o in up["overrides"]} == {"pack.CN.single-limit",
                                                    "pack.CN.resident-id"}
    drafted = {d["code"]: d for d in up["rule_set"]["rules"]}
    assert drafted["pack.CN.single-limit"]["then"]["params"]["limit"]["amount"] == "3000"
    assert drafted["pack.CN.resident-id"]["enabled"] is False

    with pytest.raises(InvalidInput) as bad:
        compliance_packs.override(shop.uow, T, "CN", {
            "rule": "pack.CN.single-limit", "params": {"limit": {"amount": "-1"},
                                                       "countries": ["US"]},
            "reason": "x"}, actor="u", now=shop.clock())
    assert {e.loc for e in bad.value.errors} == {"params.limit", "params.countries"}
    with pytest.raises(InvalidInput) as bad:
        compliance_packs.override(shop.uow, T, "CN", {"rule": "pack.CN.nope", "enabled": False,
                                                      "reason": ""}, actor="u",
                                  now=shop.clock())
    assert {e.loc for e in bad.value.errors} == {"rule", "reason"}
    with pytest.raises(NotFound, match="no compliance pack for country 'XX'"):
        compliance_packs.show_pack(shop.read_uow, T, "XX")


def test_disable_drafts_the_rules_switched_off(shop: Hub) -> None:
    with pytest.raises(Conflict):
        compliance_packs.set_enabled(shop.uow, T, "KR", False, actor="u", reason="r",
                                     now=shop.clock())
    compliance_packs.set_enabled(shop.uow, T, "KR", True, actor="u", reason="r",
                                 now=shop.clock(), activate=True, strategy=shop.strategy)
    off = compliance_packs.set_enabled(shop.uow, T, "KR", False, actor="u", reason="r",
                                       now=shop.clock())
    assert off["enabled"] is False and off["rule_set"]["state"] == "draft"
    assert all(d["enabled"] is False for d in off["rule_set"]["rules"])
    listed = {p["country"]: p for p in compliance_packs.list_packs(shop.read_uow, T)}
    assert listed["KR"]["enabled"] is False and listed["CN"]["enabled"] is False
    assert set(listed) >= {"CN", "US", "DE", "GB", "JP", "KR", "AU", "SG", "HK"}
    assert listed["KR"]["overrides"] == [] and listed["KR"]["rule_set"] is not None
    # another tenant sees none of it
    theirs = {p["country"]: p for p in compliance_packs.list_packs(shop.read_uow, "other")}
    assert all(not p["enabled"] and p["rule_set"] is None for p in theirs.values())
