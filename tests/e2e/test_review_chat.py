"""Review of the chat approvals (issue 19 item 3): what a card's button may still decide.

A card decides what it showed, once: the proposal it was sent for (not a newer one for the
same remedy number), a rule set while it is still in canary (not the active set it became),
through a channel that is enabled; the same callback delivered twice (an app's retry, a
replay inside the freshness window) decides once and answers the same."""

from __future__ import annotations

from datetime import timedelta

from orderhub.adapters.chat.base import Secrets
from orderhub.adapters.chat.simulator import ChatSimulator
from orderhub.bootstrap import Hub
from orderhub.services.access import users
from tests.api import api_client
from tests.conftest import Clock
from tests.e2e.test_chat_approvals import (
    SECRETS,
    add_channels,
    catch_up,
    click,
    reply_text,
)
from tests.e2e.test_exception_desk import as_signed_in, by_kind, exception_of, post_order
from tests.factories import seed_network


def _people(hub: Hub, *logins: str, role: str = "operations") -> None:
    for login in logins:
        users.create_user(hub.uow, "default", login=login, role=role,
                          password="pw-" + login * 4, granter=None, actor="test",
                          now=hub.clock())


def _cards_with_buttons(sim: ChatSimulator, app: str) -> list[dict[str, str]]:
    return [ChatSimulator.buttons(p) for p in sim.cards(app) if ChatSimulator.buttons(p)]


def test_an_old_card_does_not_decide_a_newer_proposal_of_the_same_remedy(
        hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    _people(hub, "wang", "zhao")
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        channels = add_channels(admin, ["approvals"])
        assert admin.put("/v1/chat/users/slack/U-ZHAO",
                         json={"login": "zhao"}).status_code == 200
        order = post_order(admin, "REV-1", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        n = by_kind(exc)["ship_available_backorder_rest"]["n"]
        r = lily.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/apply", json={"reason": "1"})
        assert r.status_code == 202, r.text
        first = r.json()["proposal"]["id"]
        catch_up(hub)
        [old] = _cards_with_buttons(sim, "slack")
        # rejected in the console, then proposed again: a new proposal, a new card
        r = admin.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/reject",
                       json={"reason": "not now"})
        assert r.status_code == 200, r.text
        r = lily.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/apply", json={"reason": "2"})
        assert r.status_code == 202, r.text
        second = r.json()["proposal"]["id"]
        assert second != first
        catch_up(hub)
        assert len(_cards_with_buttons(sim, "slack")) == 2

        r = click(admin, "slack", channels["slack"], ChatSimulator.click(
            "slack", old["approve"], "U-ZHAO", SECRETS["slack"], clock()))
        assert r.status_code == 200, r.text
        assert "Approved" not in reply_text("slack", r)
        props = {p["id"]: p for p in exception_of(admin, order["id"])["proposals"]}
        assert props[second]["approvals"] == []  # the old card decided nothing


def test_an_activation_card_does_not_roll_back_the_set_it_activated(
        hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "SH"): 500, ("A", "BJ"): 500})
    catch_up(hub)
    rita = as_signed_in(hub, "rita", role="rules_approver")
    _people(hub, "sam", "tom", role="rules_approver")
    with api_client(hub) as admin:
        r = admin.post("/v1/chat/channels", json={
            "app": "dingtalk", "name": "rules", "subjects": ["rule_sets"],
            **SECRETS["dingtalk"].as_dict()})
        channel = r.json()["id"]
        for uid, login in (("d-sam", "sam"), ("d-tom", "tom")):
            assert admin.put(f"/v1/chat/users/dingtalk/{uid}",
                             json={"login": login}).status_code == 200
        for i in range(6):
            post_order(admin, f"RS-{i}", [("A", 1)])
        rule = {"code": "no-sh-web", "when": {"channel": ["web"]},
                "then": {"exclude_sites": ["SH"]}}
        rs = rita.post("/v1/rules/sets", json={"rules": [rule], "reason": "BJ"}).json()
        assert rita.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()["passed"]
        assert rita.post(f"/v1/rules/sets/{rs['id']}/canary", json={
            "slice": {"percent": 50}, "reason": "half"}).status_code == 200
        catch_up(hub)
        [buttons] = _cards_with_buttons(sim, "dingtalk")
        now = clock()
        r = click(admin, "dingtalk", channel, ChatSimulator.click(
            "dingtalk", buttons["approve"], "d-sam", SECRETS["dingtalk"], now))
        assert "Rule set activated" in reply_text("dingtalk", r)
        assert admin.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "active"
        # the same card's other button, later: the canary it asked about is gone
        r = click(admin, "dingtalk", channel, ChatSimulator.click(
            "dingtalk", buttons["reject"], "d-tom", SECRETS["dingtalk"],
            now + timedelta(minutes=1)))
        assert r.status_code == 200, r.text
        assert "rolled back" not in reply_text("dingtalk", r)
        assert admin.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "active"


def test_a_disabled_channel_decides_nothing(hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    _people(hub, "wang", "zhao")
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        channels = add_channels(admin, ["approvals"])
        for uid, login in (("U-WANG", "wang"), ("U-ZHAO", "zhao")):
            assert admin.put(f"/v1/chat/users/slack/{uid}",
                             json={"login": login}).status_code == 200
        order = post_order(admin, "REV-3", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        n = by_kind(exc)["ship_available_backorder_rest"]["n"]
        assert lily.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/apply",
                         json={}).status_code == 202
        catch_up(hub)
        [buttons] = _cards_with_buttons(sim, "slack")
        # the channel is switched off (its secret leaked, say): its callbacks stop counting
        r = admin.patch(f"/v1/chat/channels/{channels['slack']}", json={"enabled": False})
        assert r.status_code == 200 and r.json()["enabled"] is False
        r = click(admin, "slack", channels["slack"], ChatSimulator.click(
            "slack", buttons["approve"], "U-WANG", SECRETS["slack"], clock()))
        assert r.status_code == 401
        [p] = exception_of(admin, order["id"])["proposals"]
        assert p["approvals"] == []


def test_the_same_callback_twice_decides_once_and_answers_the_same(
        hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    _people(hub, "wang", "zhao")
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        channels = add_channels(admin, ["approvals"])
        for app, uid, login in (("wecom", "wx-wang", "wang"), ("dingtalk", "d-zhao", "zhao"),
                                ("dingtalk", "d-wang", "wang")):
            assert admin.put(f"/v1/chat/users/{app}/{uid}",
                             json={"login": login}).status_code == 200
        order = post_order(admin, "REV-4", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        n = by_kind(exc)["ship_available_backorder_rest"]["n"]
        assert lily.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/apply",
                         json={}).status_code == 202
        catch_up(hub)
        now = clock()

        # DingTalk signs the timestamp only, not the body: a (timestamp, sign) pair seen
        # once must not carry another body (another clicker) within its hour
        dt = _cards_with_buttons(sim, "dingtalk")[0]
        good = ChatSimulator.click("dingtalk", dt["approve"], "d-zhao", SECRETS["dingtalk"],
                                   now)
        r = click(admin, "dingtalk", channels["dingtalk"], good)
        assert "Approved; awaiting" in reply_text("dingtalk", r)
        forged = type(good)(good.headers, good.query, good.body.replace(b"d-zhao", b"d-wang"))
        r = click(admin, "dingtalk", channels["dingtalk"], forged)
        assert r.status_code == 401, r.text
        [p] = exception_of(admin, order["id"])["proposals"]
        assert [a["approver"] for a in p["approvals"]] == ["user:zhao"]
        assert p["state"] == "pending"

        # WeCom retries a callback it got no answer to in time: the same request again
        wx = _cards_with_buttons(sim, "wecom")[0]
        req = ChatSimulator.click("wecom", wx["approve"], "wx-wang", SECRETS["wecom"], now)
        r1 = click(admin, "wecom", channels["wecom"], req)
        r2 = click(admin, "wecom", channels["wecom"], req)
        assert r1.status_code == r2.status_code == 200
        assert "Approved and applied" in reply_text("wecom", r1)
        assert reply_text("wecom", r2) == reply_text("wecom", r1)
        [p] = exception_of(admin, order["id"])["proposals"]
        assert sorted(a["approver"] for a in p["approvals"]) == ["user:wang", "user:zhao"]


def test_the_migration_matches_the_chat_tables(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData

    from orderhub.adapters.db import tables as t

    only = MetaData(naming_convention=t.metadata.naming_convention)
    names = ("chat_channels", "chat_identities", "chat_cards", "chat_callbacks")
    for table in (t.chat_channels, t.chat_identities, t.chat_cards, t.chat_callbacks):
        table.to_metadata(only)
    with hub.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, only)
                if any(n in repr(d) for n in names) and not (
                    isinstance(d, tuple) and d[0] == "remove_table")]
    assert diff == []


def test_who_may_click_is_checked_at_the_click_and_tenants_stay_apart(
        hub: Hub, clock: Clock) -> None:
    """Checked and found to hold: the proposer under another app's identity is the same
    hub user (four-eyes); a mapped user who lost exceptions:approve, or was disabled,
    after the mapping is refused; another tenant's channel cannot reach this card."""
    from orderhub.services import catalog
    from orderhub.services.chat import admin as chat_admin

    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    _people(hub, "wang", "zhao")
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        channels = add_channels(admin, ["approvals"])
        for uid, login in (("U-LILY", "lily"), ("U-WANG", "wang"), ("U-ZHAO", "zhao")):
            assert admin.put(f"/v1/chat/users/slack/{uid}",
                             json={"login": login}).status_code == 200
        order = post_order(admin, "REV-6", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        n = by_kind(exc)["ship_available_backorder_rest"]["n"]
        assert lily.post(f"/v1/exceptions/{exc['id']}/remedies/{n}/apply",
                         json={}).status_code == 202
        catch_up(hub)
        [buttons] = _cards_with_buttons(sim, "slack")
        now = clock()

        def press(uid: str, ms: int) -> str:
            r = click(admin, "slack", channels["slack"], ChatSimulator.click(
                "slack", buttons["approve"], uid, SECRETS["slack"],
                now + timedelta(seconds=ms)))
            assert r.status_code == 200, r.text
            return reply_text("slack", r)

        refused = press("U-LILY", 1)
        assert "four-eyes" in refused
        # the reason in Chinese too, not only "未执行" before the English
        assert "提案人" in refused.split("/")[0], refused
        ids = {u["login"]: u["id"] for u in users.list_users(hub.uow, "default")}
        r = admin.patch(f"/v1/access/users/{ids['wang']}", json={"role": "analyst"})
        assert r.status_code == 200, r.text
        assert "exceptions:approve" in press("U-WANG", 2)
        r = admin.patch(f"/v1/access/users/{ids['zhao']}", json={"disabled": True})
        assert r.status_code == 200, r.text
        assert "not linked" in press("U-ZHAO", 3)
        [p] = exception_of(admin, order["id"])["proposals"]
        assert p["approvals"] == []

        # tenant t2's channel, its own mapped approver, this tenant's card: refused
        catalog.ensure_tenant(hub.uow, "t2", "Other", hub.clock())
        users.create_user(hub.uow, "t2", login="boss", role="operations",
                          password="pw-bossbossboss", granter=None, actor="test",
                          now=hub.clock())
        other = chat_admin.add_channel(
            hub.uow, "t2", app="slack", name="t2", subjects=["approvals"],
            webhook_url="https://hooks.slack.example/t2", callback_secret="t2-secret",
            actor="test", now=hub.clock())
        chat_admin.map_user(hub.uow, "t2", app="slack", chat_user_id="U-BOSS", login="boss",
                            actor="test", now=hub.clock())
        r = click(admin, "slack", other["id"], ChatSimulator.click(
            "slack", buttons["approve"], "U-BOSS",
            Secrets("https://hooks.slack.example/t2", "", "t2-secret"), now))
        assert r.status_code == 400, r.text
        [p] = exception_of(admin, order["id"])["proposals"]
        assert p["approvals"] == []
